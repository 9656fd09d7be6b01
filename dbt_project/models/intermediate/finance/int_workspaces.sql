{{ config(materialized='table') }}

select
    workspace_id,
    workspace_name,
    currency,
    timezone
from {{ ref('stg_app__workspaces') }}
