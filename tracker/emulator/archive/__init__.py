"""The Hub's public weekly archive, `hfmlsoc/hub_weekly_snapshots`, emulated over one catalogue.

The real archive is a dataset repository holding `models/<YYYY-MM-DD>/models.parquet`, one file a week
on a 7-day grid from 2024-07-24 (labels are Wednesdays), about 2.2 million rows and 1.57 GB each. Here
the file of label L is the catalogue as listed at `label_time(L)` (00:00 UTC that day), so
`truth.ground_truth(cat, ecosystems, label_time(L))` is exactly what an import of that file must record.

- Rows (`parquet`): one per model listed at that instant, in `Catalogue.iter_listed` order, with the
  values the API gives (`payloads.model_payload`); `createdAt` and `lastModified` come from the same
  catalogue methods the payloads format; `safetensors` and `gguf` are the payloads' own
  (`payloads.safetensors_of`, `gguf_of`), so a file and the API agree on every model's size. There is no
  `inferenceProviderMapping` column, as in the real files. `cardData`, `siblings` and `config` are the
  API's values enriched into what real ones weigh (model-card metadata, full file lists, tokenizer
  configs: `blobs`), drawn per model from a hash of its `_id`: the columns a lineage import needs are
  then a minority of the bytes, as on the real Hub, and a client that reads only those reads a small
  part of the file.
- Schema by era (`schema.schema_for`): `downloadsAllTime` only from the 2025-02-26 file on; the first two
  files (2024-07-24, 2024-07-31) have a `modelId` column and no `baseModels` (lineage then only in
  the `base_model:` tags). `cardData` and `config` are JSON text, as in the real files.
- Files (`repository.Archive`, `files`) are written on first need (a tree listing of their folder, a
  HEAD or GET of the file), once (a lock per label), with pyarrow's `ParquetWriter` in row groups, from
  rows generated in chunks, so a 2.2-million-row file never holds more than a chunk of Python objects.
  Same catalogue, same bytes. They live in a cache directory: the caller's (kept across runs; names
  carry the catalogue's fingerprint, the label and `SCHEMA_VERSION`) or a private temporary one removed
  by `close`.

The HTTP routes are `tracker.emulator.routes.datasets`'; this package gives them the repository's content.

May import: `tracker.emulator.vocabulary`, `tracker.emulator.catalogue`, `tracker.emulator.payloads`,
`tracker.emulator.builders.real_lineage` (the real catalogue's weeks).
"""
