from __future__ import annotations

from pydantic import BaseModel, Field


class WebConfig(BaseModel):
    sign_in_url: str | None = Field(
        description="The page to send the browser to with `redirect_url`; it comes back with "
        "`#session_token=<jwt>`. Null when sign-in is not configured."
    )
    clerk_publishable_key: str | None = Field(
        None,
        description="Clerk's publishable key: when set, the app signs in with Clerk's React SDK "
        "instead of `sign_in_url`.",
    )
