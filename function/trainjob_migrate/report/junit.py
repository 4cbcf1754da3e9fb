"""``--output junit``: JUnit XML for CI test reports; every remaining v1 job is a failing case."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from trainjob_migrate.report import Report, findings, is_v2_rule, shown


def render(report: Report) -> str:
    suites = ET.Element("testsuites", name="trainjob-migrate check")
    suite = ET.SubElement(suites, "testsuite", name="trainjob-migrate check")
    by_job: dict[int, list[str]] = {}
    unreadable: list[str] = []
    invalid: dict[tuple[str, str], list[str]] = {}  # (file, object) -> its v2 findings
    for finding in findings(report):
        line = f"{finding.location}: {finding.level}: {finding.message} [{finding.rule}]"
        if is_v2_rule(finding.rule):
            invalid.setdefault((finding.path, finding.subject.rstrip(": ")), []).append(line)
        elif finding.job is None:
            unreadable.append(line)
        else:
            by_job.setdefault(finding.job, []).append(line)
    failures = errors = 0
    for index, (job, verdict) in enumerate(zip(report.jobs, report.verdicts, strict=True)):
        case = ET.SubElement(
            suite,
            "testcase",
            classname=shown(job.file.path),
            name=shown(job.resource.display()),
            file=shown(job.file.path),
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
    for (path, subject), lines in invalid.items():
        case = ET.SubElement(suite, "testcase", classname=path, name=subject, file=path)
        failure = ET.SubElement(
            case,
            "failure",
            message="the target Trainer release would reject this object",
            type="invalid-v2",
        )
        failure.text = "\n".join(lines)
        failures += 1
    if not report.jobs and not unreadable and not invalid:
        ET.SubElement(
            suite, "testcase", classname="repository", name="no Training Operator job remains"
        )
    tests = len(report.jobs) + (1 if unreadable else 0) + len(invalid) or 1
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
