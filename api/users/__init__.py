"""The signed-in user: `/v1/me`, where a sign-in settles the user's memberships."""
