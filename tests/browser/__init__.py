"""Checks of what users see: reports in headless Chromium, analyses as scripts and notebooks.

The reusable pieces live in this package so that the fault-injection tests
(``tests/test_report_faults.py``) call exactly the code the real checks use:

- :mod:`browser.checks`: open a report in Chromium and list its problems;
- :mod:`browser.pdf_text`: page count and text of a Chromium PDF;
- :mod:`browser.harness`: run analyses as scripts, CLI commands and notebooks;
- :mod:`browser.synthetic`: a small report exercising every builder feature.
"""
