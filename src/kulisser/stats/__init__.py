"""Statistics: the picture of the secretaries' work, from aggregates (issue 15).

The design
----------
Every figure is read from **aggregate tables**, never from a scan of the work items at request
time, so that a unit's overview, the region's view and the monthly report cost the same at
ten items or ten million, and all three agree because they read the same rows.

``stats_work_day`` (``models.WorkDay``) holds one row per care unit, Stockholm day and kind of
work: the day's flow (incoming, done, cancelled), the turnaround of the items done that day
(sum, count and a histogram of hours, so that any period's median and 90th percentile come
from merging the days' histograms: ``aggregate.bucket``), and the state at the end of the day
(open items by age band 0–2, 3–14 and over 14 days, overdue, the oldest open item's creation).
A week, month, quarter or year is a sum over its days (the backlog: its last day's row).

``stats_work_month`` (``month_models.WorkMonth``) is the **monthly roll-up** of those days: per
unit, month and kind, the sums of the flow columns and the merged histogram, so that a year of
the region is 12 rows per unit and kind instead of 365 histograms to expand (issue 15 item 7).
``rollup.roll_up`` recomputes the months a range of days touches from their daily rows, and
``aggregate.store`` calls it after every write of days, in the same transaction (and
``aggregate.rebuild`` after its set-based path): the job, the rebuild and the demo keep it
exact without knowing of it. Readers split a period with
``rollup.split`` into whole months (read from the roll-up) and the loose days at its ends (read
from the days), and read the backlog from the last day's daily row (``rollup.flow_source``
does this in SQL for the region view and the overview; staffing reads its monthly incoming so).

``aggregate`` computes the rows from the work items and their history (through
``worklist.service``), exactly and repeatably: a finished day's row changes only when an item
of it is entered in error. On PostgreSQL ``aggregate.rebuild`` writes the same rows with one
set-based statement for all the units (``aggregate_sql``, proven equal row for row), so a full
rebuild of 10,000,000 items takes minutes and the job recomputes every unit's recent days in one
statement; SQLite computes in Python, a unit and a month at a time. The periodic job
``stats.work_days`` (``jobs``) recomputes the days touched since its watermark
(``stats_watermark``); ``kulisser stats rebuild --from --to`` (``cli``) recomputes any range;
both delete and insert, so running twice gives the same rows.
``service`` reads the table (periods, comparison with the previous period's same days);
``views`` draws ``/oversikt`` with the SVG charts of ``charts`` and its CSV.

Places for the next parts (each its own module beside these, reading or adding aggregates):

- **Dictation chain** (``chain.py``, built): per unit, day and step, dictations entering and
  leaving each step, hours in it, those waiting by age, notes not in the record after 2 days
  and unsigned after 14 (``stats_chain_day``, ``chain_models``); read from the dictations'
  histories through ``dictation.service``, kept by the job ``stats.chain_days``; its section of
  ``/oversikt`` and CSV in ``chain_views``, the demo's year of history in ``demo_chain``.
- **Team load** (``team.py``, pages in ``team_views.py``, the one action in ``team_actions.py``):
  open and overdue items per secretary, hand-overs in and out, absences (kept by the staff
  package, ``staff_absence``), one's own week; never ranked. Open and overdue items are read
  live from the worklist (a unit's open items are few). Hand-overs in and out and items done
  per person come from ``stats_person_day`` (``person_days``, ``person_models``: per unit,
  day, person or the queue, and kind), kept by the job ``stats.person_days`` from the owner
  moves and the closed items by time, up to its watermark; the history after the watermark
  (a few minutes) is read live, so a hand-over shows at once and a period's figures equal a
  count of the history.
- **Staffing cost** (``staffing.py``): standard times per kind and unit, staffed hours per
  month; hours needed = monthly ``incoming`` (the roll-up, the month in progress from its days)
  times the standard time.
- **Monthly report** (``report.py``, built): "Sekreterarnas arbete, <månad>" as a PDF per unit
  and for the region, from ``service.overview`` per month and the 12-month trend of the same
  rows; its sections are the list ``report_sections.SECTIONS`` (each part adds its line), kept
  in ``report_models``, sent by ``report_send``, made monthly by ``report_jobs``.
- **Region view** (``region.py``, ``region_views.py``): the aggregates grouped by unit for one
  period (whole months from the roll-up), for the region administrator role; drill-down to
  ``/oversikt`` of a unit.
- **API** (``api.py``, ``/api/v1/stats``): the same ``service`` objects as JSON.
"""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__, models="models",
    routers=("views", "domains", "region_views", "api", "load_api", "team_views", "staffing_views",
             "report_views", "region_sections"),
    jobs=("jobs", "report_jobs"), demo="demo:seed",
)
