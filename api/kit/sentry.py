"""Sentry for the API, when SENTRY_DSN is set: errors, and traces of a sample of requests.

What merchants type and what the copilot answers stays out unless
METRICX_COPILOT_TRACE_PROMPTS asks for it: no personal data (the SDK's default), no request
bodies (a copilot question is a request body), and the Anthropic integration's AI-monitoring
spans without their prompts.
"""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.transport import Transport

from metricx.settings import Settings


def init_sentry(settings: Settings, transport: Transport | None = None) -> None:
    """`transport` replaces HTTP delivery (a test's capturing one)."""
    # Here, not at the top: the integration imports the Anthropic SDK (~80 MB resident), which
    # an API without Sentry, or without Claude, has no use for.
    from sentry_sdk.integrations.anthropic import AnthropicIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        traces_sample_rate=settings.sentry_traces_sample_rate,
        max_request_body_size="always" if settings.copilot_trace_prompts else "never",
        integrations=[AnthropicIntegration(include_prompts=settings.copilot_trace_prompts)],
        transport=transport,
    )
