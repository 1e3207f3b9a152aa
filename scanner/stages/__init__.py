"""The stages of one scan, in the order a walked thing goes through them.

========================  ======================================================================
stage                     module
========================  ======================================================================
walk                      :mod:`scanner.stages.walk`: a target's connector, its errors recorded
extract + classify        :mod:`scanner.stages.steps`: an item's text units, batch by batch
classify + redact         :mod:`scanner.stages.classify`: units -> findings (masked, hashed)
post-scan                 :mod:`scanner.stages.columns`: a table's cell findings -> columns
sinks                     :mod:`scanner.stages.replay`: steps -> events and the scan's tally
========================  ======================================================================

:mod:`scanner.stages.workers` runs the same steps in a pool of processes, and
:mod:`scanner.cluster` on a Dask cluster; :mod:`scanner.pipeline` chooses the route and is the
one entry point (``scan``, ``iter_scan``). Clause mapping is the ``map_findings`` hook of
:func:`scanner.pipeline.scan`; recording into the inventory and writing a report are the CLI's
sinks. The stages import connectors and classifiers; neither of those imports a stage.
"""
