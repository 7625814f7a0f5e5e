"""The emulated Hub's catalogues, built: `synthetic` (seeded, any size), `real` (16 real weeks of ids and
lineage, read by `real_lineage`) and `realistic` (the real Hub's size, its bulk a compact part: `compact`,
drawn by `compact_arrays` from `archetypes`).

Their shared parts: `builder` (drafts of models and the final catalogue), `names` and `traits` (names,
tags, licences, figures and sizes), `providers` (inference providers, drawn per model and read at a
clock time) and `traps` (the awkward cases every crawl must survive).

May import: `tracker.core`, `tracker.emulator.vocabulary`, `tracker.emulator.figures`,
`tracker.emulator.catalogue`.
"""
