from __future__ import annotations

from pydantic import BaseModel, Field


class WebConfig(BaseModel):
    clerk_publishable_key: str | None = Field(
        description="Sign in with Clerk's React SDK under this key; null without one."
    )
    sign_in_url: str | None = Field(
        description="Without a publishable key: the page to send the browser to with "
        "`redirect_url`; it comes back with `#session_token=<jwt>`. Null when neither is set."
    )
