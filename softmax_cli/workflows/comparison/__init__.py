"""The compare use case: two models' rows read in lockstep, compared block by block
(``core.comparison``), written as per-row figures or summed into a report."""
