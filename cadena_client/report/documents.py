"""The committee's report as a workbook (openpyxl tables and charts) and as a PDF (fpdf2, with
matplotlib charts): changes per month, recognitions per month, and how fast changes reached each
partner. Every text cell is written as text, never as a formula."""

from __future__ import annotations

import io
from pathlib import Path

MONTHLY_CHARTS = (  # (title, the report's section, the figure in each month, its axis)
    ("Changes per month", "changes", "count", "changes"),
    ("Recognitions per month", "recognitions", "count", "verifications answered"),
    ("Propagation time per month (median)", "propagation", "median_seconds", "seconds"),
)


def summary_lines(report: dict) -> list[str]:
    """The report in a few sentences."""
    mra, period = report["mra"], report["period"]
    standing, recognitions = report["standing"], report["recognitions"]
    lines = [
        f"MRA {mra['id']}: {mra['title']} ({', '.join(mra['parties'])})",
        f"Period {period['from']} to {period['to']}: {standing['opening']} at the start, {standing['closing']} at the end",
        f"{report['changes']['total']} certificate changes; {recognitions['total']} verifications answered between "
        f"the parties, {recognitions['recognised']} recognised",
    ]
    for partner, figures in report["propagation"]["by_partner"].items():
        lines.append(
            f"{partner or 'this service'} saw {figures['changes_seen']} changes (median "
            f"{_seconds(figures['median_seconds'])}, 95% within {_seconds(figures['p95_seconds'])}, "
            f"{figures['not_seen']} not seen)"
        )
    return lines


def tables(report: dict) -> list[tuple[str, list[str], list[list]]]:
    """The report's tables: (title, header, rows)."""
    parties = report["mra"]["parties"]
    opening, closing = report["certificates"]["opening"], report["certificates"]["closing"]
    statuses = list(next(iter(opening.values()), {}))
    kinds = sorted({kind for counts in report["changes"]["by_country"].values() for kind in counts})
    return [
        (
            "Certificates by country and status",
            ["country", "status", f"on {report['period']['from']} (start)", f"on {report['period']['to']} (end)"],
            [[c, s, opening[c][s], closing[c][s]] for c in parties for s in statuses if opening[c][s] or closing[c][s]],
        ),
        (
            "Changes between the dates",
            ["country", *kinds, "total"],
            [
                [
                    c,
                    *(report["changes"]["by_country"][c][k] for k in kinds),
                    sum(report["changes"]["by_country"][c].values()),
                ]
                for c in parties
            ],
        ),
        (
            "How fast changes reached each partner (seconds from the block)",
            ["partner", "changes seen", "not seen", "median", "95%", "slowest", "recording since"],
            [
                [
                    p or "this service",
                    f["changes_seen"],
                    f["not_seen"],
                    f["median_seconds"],
                    f["p95_seconds"],
                    f["max_seconds"],
                    f["recording_since"],
                ]
                for p, f in report["propagation"]["by_partner"].items()
            ],
        ),
        (
            "Recognitions the services answered",
            ["importing country", "issuing country", "verdict", "count"],
            [[r["importer"], r["issuer"], r["verdict"], r["count"]] for r in report["recognitions"]["by"]],
        ),
        (
            "The MRA's parties and their history",
            ["time", "country", "event", "block"],
            [[h["time"], h["country"], h["event"], h["block"]] for h in report["standing"]["history"]],
        ),
    ]


def xlsx(report: dict) -> bytes:
    """A workbook: a summary sheet, a sheet per table, and a sheet of monthly figures with charts."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Summary"
    for line in summary_lines(report):
        _row(sheet, [line])
    for title, header, rows in tables(report):
        table_sheet = book.create_sheet(title[:31].replace(":", ""))
        _row(table_sheet, [title])
        table_sheet["A1"].font = Font(bold=True)
        _row(table_sheet, header)
        for row in rows:
            _row(table_sheet, row)
    monthly = book.create_sheet("Monthly")
    months = [entry["month"] for entry in report["changes"]["by_month"]]
    _row(monthly, ["month", *(title for title, *_ in MONTHLY_CHARTS)])
    for index, month in enumerate(months):
        _row(
            monthly, [month, *(report[section]["by_month"][index][figure] for _, section, figure, _ in MONTHLY_CHARTS)]
        )
    for column, (title, _, _, axis) in enumerate(MONTHLY_CHARTS, start=2):
        chart = LineChart() if "Propagation" in title else BarChart()
        chart.title, chart.y_axis.title, chart.x_axis.title = title, axis, "month"
        chart.add_data(Reference(monthly, min_col=column, min_row=1, max_row=len(months) + 1), titles_from_data=True)
        chart.set_categories(Reference(monthly, min_col=1, min_row=2, max_row=len(months) + 1))
        chart.legend = None
        monthly.add_chart(chart, f"{'FGH'[column - 2]}{2 + (column - 2) * 16}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pdf(report: dict) -> bytes:
    """A PDF: the summary, the tables, and the three monthly charts."""
    from fpdf import FPDF

    document = FPDF(orientation="landscape")
    font = Path(_matplotlib_fonts()) / "DejaVuSans.ttf"
    document.add_font("DejaVu", fname=str(font))
    document.add_font("DejaVu", style="B", fname=str(font.with_name("DejaVuSans-Bold.ttf")))
    document.set_auto_page_break(True, margin=12)
    document.add_page()
    document.set_font("DejaVu", "B", 15)
    document.cell(0, 10, f"Joint committee report: {report['mra']['title']}", new_x="LMARGIN", new_y="NEXT")
    document.set_font("DejaVu", size=10)
    for line in summary_lines(report):
        document.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    for title, header, rows in tables(report):
        document.ln(3)
        document.set_font("DejaVu", "B", 11)
        document.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        document.set_font("DejaVu", size=8)
        with document.table(first_row_as_headings=True) as table:
            for row in [header, *rows] if rows else [header, ["(none)", *[""] * (len(header) - 1)]]:
                cells = table.row()
                for value in row:
                    cells.cell("" if value is None else str(value))
    for title, section, figure, axis in MONTHLY_CHARTS:
        document.add_page()
        document.image(_chart(report, title, section, figure, axis), w=250)
    return bytes(document.output())


def _chart(report: dict, title: str, section: str, figure: str, axis: str) -> io.BytesIO:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    entries = report[section]["by_month"]
    months = [entry["month"] for entry in entries]
    values = [entry[figure] or 0 for entry in entries]
    plot, axes = pyplot.subplots(figsize=(10, 4))
    if section == "propagation":
        axes.plot(months, values, marker="o")
    else:
        axes.bar(months, values)
    axes.set_title(title)
    axes.set_ylabel(axis)
    axes.tick_params(axis="x", rotation=45)
    plot.tight_layout()
    image = io.BytesIO()
    plot.savefig(image, format="png", dpi=110)
    pyplot.close(plot)
    image.seek(0)
    return image


def _row(sheet, values: list) -> None:
    """Appends a row whose text cells stay text (a title starting with '=' is not a formula)."""
    sheet.append([None if value is None else value for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _matplotlib_fonts() -> str:
    import matplotlib

    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")


def _seconds(value) -> str:
    return "n/a" if value is None else f"{value:g} s"
