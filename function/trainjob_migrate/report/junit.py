"""``--output junit``: JUnit XML for CI test reports; every remaining v1 job is a failing case."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from trainjob_migrate.report import Report, findings


def render(report: Report) -> str:
    suites = ET.Element("testsuites", name="trainjob-migrate check")
    suite = ET.SubElement(suites, "testsuite", name="trainjob-migrate check")
    by_job: dict[int, list[str]] = {}
    unreadable: list[str] = []
    for finding in findings(report):
        line = f"{finding.location}: {finding.level}: {finding.message} [{finding.rule}]"
        if finding.job is None:
            unreadable.append(line)
        else:
            by_job.setdefault(finding.job, []).append(line)
    failures = errors = 0
    for index, (job, verdict) in enumerate(zip(report.jobs, report.verdicts, strict=True)):
        case = ET.SubElement(
            suite,
            "testcase",
            classname=job.file.path,
            name=job.resource.display(),
            file=job.file.path,
            line=str(job.file.line or 0),
        )
        failure = ET.SubElement(case, "failure", message=_MESSAGES[verdict], type=verdict)
        failure.text = "\n".join(by_job.get(index, []))
        failures += 1
    if unreadable:
        case = ET.SubElement(
            suite, "testcase", classname="input", name="files that could not be read"
        )
        error = ET.SubElement(case, "error", message="input could not be read", type="unreadable")
        error.text = "\n".join(unreadable)
        errors += 1
    if not report.jobs and not unreadable:
        ET.SubElement(
            suite, "testcase", classname="repository", name="no Training Operator job remains"
        )
    tests = len(report.jobs) + (1 if unreadable else 0) or 1
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", str(errors))
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


_MESSAGES = {
    "convertible": "a Training Operator v1 job remains; it converts cleanly: run "
    "trainjob-migrate convert --write",
    "attention": "a Training Operator v1 job remains that needs attention before it can be "
    "converted",
    "warnings": "a Training Operator v1 job remains; it converts, with warnings to review",
}
