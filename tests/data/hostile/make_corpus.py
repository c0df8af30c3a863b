"""Write the hostile-input corpus of this folder (run from anywhere; files are committed).

Each file holds one kind of hostile input; ``expected.json`` says what reading it must do
(``tests/test_hostile_inputs.py`` checks it). Text files are written as bytes so that the
encodings, NULs and line endings are exactly what the file name says.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
H = "poll_id,pollster,start_date,end_date,population,n,question_id,response,pct"


def row(poll="p1", pollster="Ipsos", start="2022-10-04", end="2022-10-05", pop="a", n="1005",
        q="q1", response="Yes", pct="66") -> str:
    return ",".join([poll, pollster, start, end, pop, n, q, response, pct])


def text(name: str, lines: list[str], encoding: str = "utf-8", newline: str = "\n",
         bom: bytes = b"") -> None:
    (HERE / name).write_bytes(bom + (newline.join(lines) + newline).encode(encoding))


def main() -> None:
    text("fractions.csv", [H, row(pct="0.66"), row(response="No", pct="0.30"),
                           row(response="Not sure", pct="0.04"),
                           row(poll="p2", response="Yes", pct="55"),
                           row(poll="p2", response="No", pct="45")])
    text("decimal_comma_semicolon.csv", [H.replace(",", ";"),
                                         "p1;Ifop;04/10/2022;05/10/2022;a;1.005;q1;Oui;45,5",
                                         "p1;Ifop;04/10/2022;05/10/2022;a;1.005;q1;Non;54,5",
                                         "p2;Ifop;13/10/2022;14/10/2022;a;998;q1;Oui;50",
                                         "p2;Ifop;13/10/2022;14/10/2022;a;998;q1;Non;50"])
    text("decimal_comma_stray.csv", [H, row(pct="55.5"), row(response="No", pct='"4,5"'),
                                     row(poll="p2", pct="60.5"),
                                     row(poll="p2", response="No", pct="39.5")])
    text("thousands.csv", [H, row(n='"1,005"', pct="60"), row(n='"1,005"', response="No",
                                                               pct="40"),
                           row(poll="p2", n="1 200", pct="51.5"),
                           row(poll="p2", n="1 200", response="No", pct="48.5")])
    text("dates_dayfirst.csv", [H, row(start="03/04/2022", end="05/04/2022"),
                                row(start="03/04/2022", end="05/04/2022", response="No",
                                    pct="30"),
                                row(poll="p2", start="13/04/2022", end="14/04/2022")])
    text("dates_mixed.csv", [H, row(start="13/04/2022", end="14/04/2022"),
                             row(poll="p2", start="04/13/2022", end="04/14/2022")])
    text("dates_timezones.csv", [H, row(start="2022-10-04T08:00:00+02:00",
                                        end="2022-10-05T20:00:00-05:00"),
                                 row(poll="p2", start="2022-10-04T08:00:00Z",
                                     end="2022-10-05 23:59:59+09:30")])
    text("dates_out_of_range.csv", [H, row(start="0001-01-01"),
                                    row(poll="p2", end="9999-12-31"),
                                    row(poll="p3", start="1899-12-31"),
                                    row(poll="p4")])
    text("duplicate_header.csv", [H + ",pct", row() + ",70"])
    text("nul_in_text.csv", [H, row(pollster="Ip\x00sos"), row(poll="p2")])
    text("n_extreme.csv", [H, row(poll="a1", n="1e30"), row(poll="a2", n="inf"),
                           row(poll="a3", n="-inf"), row(poll="a4", n="nan"),
                           row(poll="a5", n="99999999999"), row(poll="a6", n="10000001"),
                           row(poll="a7", n="9" * 400), row(poll="ok", n="10000000")])
    text("trailing_cells.csv", [H, row() + ",,", row(poll="p2") + ",oops",
                                "p3,Ipsos,2022-10-04,2022-10-05,a,1005,q1,Yes",
                                row(poll="p4") + ","])
    text("utf16.csv", [H, row(pollster="Société Générale"), row(poll="p2")],
         encoding="utf-16-le", newline="\r\n", bom=b"\xff\xfe")
    text("cp1252.csv", [H, row(pollster="Élabe – Les Échos"), row(poll="p2")],
         encoding="cp1252", newline="\r\n")
    (HERE / "deep.json").write_text("[" * 10_000 + "]" * 10_000)
    (HERE / "duplicate_keys.json").write_text(
        '[{"poll_id": "p1", "pollster": "Ipsos", "start_date": "2022-10-04", '
        '"end_date": "2022-10-05", "population": "a", "n": 1005, "question_id": "q", '
        '"response": "Yes", "pct": 66, "pct": 0.66}]')
    record = dict(zip(H.split(","), row().split(","), strict=True))
    (HERE / "nested_values.json").write_text(json.dumps([
        {**record, "pollster": {"name": "Ipsos"}},
        {**record, "poll_id": "p2", "n": [1005]},
        {**record, "poll_id": "p3"},
    ]))
    text("formula_injection.csv", [H, row(pollster='"=HYPERLINK(""http://x"",""y"")"',
                                          n="-5"),
                                   row(poll="@SUM(A1)", n="0"), row(poll="p3")])
    text("wide_empty_row.csv", ["poll_id,pollster,start_date,end_date,population,n,"
                                "question_id,Support,Oppose",
                                "w1,Gallup,2022-01-01,2022-01-03,a,1000,q,60,40",
                                "w2,Gallup,2022-02-01,2022-02-03,a,1000,q,,"])
    text("unbalanced_quote.csv", [H, row(), row(poll="p2", pollster='"Ipsos'),
                                  row(poll="p3"), row(poll="p4")])
    (HERE / "binary_garbage.csv").write_bytes(bytes(range(256)) * 8)
    text("empty_header_cell.csv", ["poll_id,,pollster,start_date,end_date,population,n,"
                                   "question_id,response,pct",
                                   "p1,x,Ipsos,2022-10-04,2022-10-05,a,1005,q1,Yes,66"])
    text("bidi_control.csv", [H, row(response="Yes\u202eoN"), row(poll="p2")])
    text("moe_fraction.csv", [H + ",moe", row() + ",0.03", row(poll="p2") + ",3.1"])
    text("deff_huge.csv", [H + ",deff", row() + ",1e6", row(poll="p2") + ",1.4"])
    text("newline_in_notes.csv", [H + ",notes", row() + ',"first line\nsecond line"',
                                  row(poll="p2") + ",plain"])
    text("newline_in_pollster.csv", [H, row(pollster='"Ips\nos"'), row(poll="p2")])
    text("crlf_bare_cr.csv", [H, row(), row(poll="p2")], newline="\r")
    _excel()


def _excel() -> None:
    import openpyxl

    header = H.split(",")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Toplines"
    ws.append(["Ukraine aid polls"])
    ws.append(header)
    for response, share in (("Yes", 0.66), ("No", 0.3), ("Not sure", 0.04)):
        ws.append(["p1", "Ipsos", dt.datetime(2022, 10, 4), dt.datetime(2022, 10, 5), "a",
                   1005, "q1", response, share])
        ws.cell(ws.max_row, 9).number_format = "0%"
    notes = wb.create_sheet("Notes")
    notes.append(["Shares are formatted as percentages in Excel."])
    wb.save(HERE / "percent_format.xlsx")

    wb = openpyxl.Workbook()
    for title in ("October", "November"):
        ws = wb.active if title == "October" else wb.create_sheet(title)
        ws.title = title
        ws.append(header)
        ws.append(["p1", "Ipsos", "2022-10-04", "2022-10-05", "a", 1005, "q1", "Yes", 66])
    wb.create_sheet("Empty")
    wb.save(HERE / "two_sheets.xlsx")


if __name__ == "__main__":
    main()
