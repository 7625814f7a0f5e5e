"""The tracker's dashboard: `tracker dashboard` or `streamlit run dashboard/app.py`.

Reads the database named by TRACKER_DATABASE_URL (default sqlite:///tracker.db), read-only, through
the metrics layer, once `dashboard.gate` has let the reader in (with a login configured). The
sidebar's filters live here, so they persist from page to page. Every widget a view is made of is
bound to the link's query parameters (`dashboard.links`), so a link reopens the view.

The pages live in `dashboard/views/`, not `dashboard/pages/`: Streamlit 1.67 treats a `pages/` folder
beside the entry script as a v1 multipage app before `st.navigation` runs, and AppTest then reruns a
page without this entry script (no sidebar, no filters).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # `streamlit run dashboard/app.py` puts dashboard/ first on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st  # noqa: E402

from dashboard import data, gate, links, provenance  # noqa: E402
from dashboard.context import KEY, Context, filters_said  # noqa: E402
from tracker.read import access  # noqa: E402
from tracker.report import palette  # noqa: E402

TITLE = "Llama ecosystem tracker"
# A file served by the dashboard itself: a `:material/...:` icon makes the browser fetch the favicon
# from Google's font server, which fails offline and leaves the machine.
ICON = str(Path(__file__).resolve().with_name("favicon.svg"))
st.set_page_config(page_title=TITLE, page_icon=ICON, layout="wide")
gate.admit(TITLE)  # with a login configured, nothing below runs for a reader not let in
links.remember()

url = data.database_url()
engine = data.engine(url)
version = data.data_version(engine)

if engine is None or version is None:
    shown = access.shown_url(url)  # never show a password
    st.title(TITLE)
    st.info(
        "No snapshot yet: this database holds no complete run, so there is nothing to show.",
        icon=":material/inventory_2:",
    )
    st.markdown("Take the first snapshot of the Hub (it records one run), then reload this page:")
    st.code(f"{data.FIRST_SNAPSHOT} --database {shown}", language="bash")
    st.markdown("Or see the dashboard at work on 16 real weeks of the Hub, offline, with the demo:")
    st.code(data.DEMO, language="bash")
    st.caption(f"Database: `{shown}` (read-only).")
    st.stop()

provenance.banner(engine, url, version)  # the demo's one line, above every page
run_id = version[0]
choices = data.choices(engine, url, version)
tracked = palette.ecosystem_order(choices["ecosystems"])  # Llama, the product's subject, first
labels = data.ecosystem_labels()
labels = {name: labels.get(name, name) for name in tracked}
# The ecosystems go into the link by name (`llama`), and the reader sees their labels: a widget bound to
# the link with `format_func` would write the labels there, so this one is bound by hand.
if "_f_ecosystems_linked" not in st.session_state:  # a session's first run: the link's choice
    given = {name.strip().lower() for name in st.query_params.get_all("f_ecosystems")}
    st.session_state["f_ecosystems"] = [name for name in tracked if name in given]
    st.session_state["_f_ecosystems_linked"] = True
first, last = choices["dates"]
# The filters sit in a popover: the browser draws its widgets only when it is opened (four of them drawn
# on every page cost a third of an empty page's time), and the caption below it says what they choose.
with st.sidebar:
    st.caption(f"Latest complete run: #{run_id}, {last:%d %b %Y}.")
    filters_box = st.popover("Filters", icon=":material/filter_list:", width="stretch")
with filters_box:
    ecosystems = st.multiselect(
        "Ecosystem", tracked, format_func=labels.get, key="f_ecosystems", placeholder="All ecosystems"
    )
    if ecosystems:
        st.query_params["f_ecosystems"] = ecosystems
    elif "f_ecosystems" in st.query_params:
        del st.query_params["f_ecosystems"]
    families = st.multiselect(
        "Family", choices["families"], key="f_families", bind="query-params", placeholder="All families"
    )
    relations = st.multiselect(
        "Relation", choices["relations"], key="f_relations", bind="query-params", placeholder="All relations"
    )
    if st.session_state.get("_f_dates_run") != run_id:  # a new run widens the range to include it
        st.session_state["f_dates"] = (first, last)
        st.session_state["_f_dates_run"] = run_id
    dates = st.date_input("Runs between", min_value=first, max_value=last, key="f_dates", bind="query-params")
since, until = (tuple(dates) + (None, None))[:2] if isinstance(dates, tuple | list) else (dates, None)
with st.sidebar:
    st.caption(filters_said([labels[name] for name in ecosystems], families, relations, since, until))
# the whole range is no filter at all: share the cache entry the filter choices were read from
since = None if since == first else since
until = None if until == last else until
events, events_read = data.hub_events()
if not events_read:
    with st.sidebar:  # fixed words: the file's problem holds its text, which is nobody's to render
        st.caption("The events file (TRACKER_EVENTS) could not be read: only the Hub's events are marked.")

st.session_state[KEY] = Context(
    engine=engine,
    url=url,
    version=version,
    ecosystems=tuple(ecosystems),
    families=tuple(families),
    relations=tuple(relations),
    since=since,
    until=until,
    all_ecosystems=tuple(tracked),
    labels=labels,
    events=events,
)

pages = [
    st.Page("views/overview.py", title="Overview", icon=":material/monitoring:", default=True),
    st.Page("views/families.py", title="Families and relations", icon=":material/family_history:"),
    st.Page("views/lineage.py", title="Lineage explorer", icon=":material/account_tree:"),
    st.Page("views/movers.py", title="Movers", icon=":material/rocket_launch:"),
    st.Page("views/builders.py", title="Builders", icon=":material/construction:"),
    st.Page("views/formats.py", title="Formats and licences", icon=":material/deployed_code:"),
    st.Page("views/ecosystems.py", title="Compare ecosystems", icon=":material/balance:"),
    st.Page("views/whole_hub.py", title="Whole Hub", icon=":material/public:"),
    st.Page("views/data.py", title="Data", icon=":material/download:"),
]
page = st.navigation(pages)
st.set_page_config(page_title=f"{page.title} · {TITLE}", page_icon=ICON)  # the tab names the page
page.run()
links.report()
