"""Everything that talks to the Hub or reads its weekly archive: the client and its pacing, the crawl,
the archive's listing and files, progress of long reads.

May import: `tracker.core`. The only HTTP of the product is here.
"""
