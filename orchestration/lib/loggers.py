"""The console logger of every run in this code location, in the format the rest of metricx
logs in (`metricx.logs`)."""

import logging

from dagster import Field, InitLoggerContext, LoggerDefinition, get_dagster_logger, logger

from metricx.logs import configure_logging, make_handler
from metricx.settings import get_settings


@logger(
    config_schema={"log_level": Field(str, is_required=False, default_value="INFO")},
    description="Run logs on stderr as JSON lines (run_id, job, step, partition, connection) or "
    "text, per METRICX_LOG_FORMAT.",
)
def metricx_console_logger(init_context: InitLoggerContext) -> logging.Logger:
    settings = get_settings()
    # Loggers start in each run's (or step's) own process: our modules' `logging` records there
    # get the same format.
    configure_logging(settings.log_format, settings.log_level)
    # Dagster's own Python logger (dagster-dbt logs through it) reaches this logger through the
    # run's log manager; reaching the root handler too would print each of its records twice.
    get_dagster_logger().propagate = False
    level = init_context.logger_config["log_level"].upper()
    # Outside the logging hierarchy, so run records are written once, not again by the root.
    run_logger = logging.Logger("dagster", level=level)
    run_logger.addHandler(make_handler(settings.log_format))
    return run_logger


# Under Dagster's name for its default logger, so run config written for that one still fits.
RUN_LOGGERS: dict[str, LoggerDefinition] = {"console": metricx_console_logger}
# Dagster initializes a job's loggers only when the run config names them, and falls back to its
# colored console logger otherwise: the jobs carry this as default config, so their runs
# (schedules, backfills, launchpad) log through ours. Runs of the implicit asset job (automation,
# "Materialize" on a selection) carry no config and keep Dagster's logger.
RUN_LOGGER_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
