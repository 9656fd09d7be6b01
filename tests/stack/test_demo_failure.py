"""When the demo stops, its message names the stage that failed, why, and where to look."""

from __future__ import annotations

from dagster import ExecuteInProcessResult, JobDefinition, job, op

from stack.demo import PipelineResult, stage_failure_message


@op
def land_meta_ads_window() -> None:
    raise RuntimeError("Meta answered 500 for act_1\nsecond line of the error")


@op
def build_models() -> None:
    pass


@job
def failing_job() -> None:
    land_meta_ads_window()


@job
def passing_job() -> None:
    build_models()


def _run(job_def: JobDefinition) -> ExecuteInProcessResult:
    return job_def.execute_in_process(raise_on_error=False)


def test_a_failed_landing_run_names_the_stage_the_step_and_the_run() -> None:
    failed = _run(failing_job)

    message = PipelineResult(ingest=failed, warehouse=None).failure()

    assert message is not None
    assert message.startswith("metricx: the demo's landing run failed: ")
    assert "step land_meta_ads_window failed: RuntimeError: Meta answered 500 for act_1" in message
    assert "second line" not in message
    assert f"run {failed.run_id} of job failing_job" in message


def test_a_failed_build_run_is_told_apart_from_the_landing_run() -> None:
    message = PipelineResult(ingest=_run(passing_job), warehouse=_run(failing_job)).failure()

    assert message is not None
    assert message.startswith("metricx: the demo's dbt build run failed: ")


def test_a_successful_pipeline_has_no_failure() -> None:
    result = PipelineResult(ingest=_run(passing_job), warehouse=_run(passing_job))

    assert result.success
    assert result.failure() is None


def test_a_stage_failure_says_what_to_look_at() -> None:
    assert stage_failure_message(
        "seeding", cause="OperationalError: no such table", look_at="the app database"
    ) == (
        "metricx: the demo's seeding failed: OperationalError: no such table\n"
        "  Look at: the app database"
    )
