from __future__ import annotations

from pydantic import BaseModel, Field


class WebConfig(BaseModel):
    sign_in_url: str | None = Field(
        description="The page to send the browser to with `redirect_url`; it comes back with "
        "`#session_token=<jwt>`. Null when sign-in is not configured."
    )
