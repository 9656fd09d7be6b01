-- One row per campaign, with its status in the one vocabulary of both platforms: the campaign
-- level of dim_ad_entities, kept apart so that the semantic layer can join every campaign-level
-- fact to its campaign's status (a semantic model is a whole table, and the campaign entity
-- must be its primary key).
select
    workspace_id,
    platform,
    entity_id as campaign_id,
    entity_name as campaign_name,
    status,
    normalized_status
from {{ ref('dim_ad_entities') }}
where entity_level = 'campaign'
