with source as (

    select * from {{ source('app', 'app_workspaces') }}

),

renamed as (

    select
        workspace_id,
        slug as workspace_slug,
        name as workspace_name,
        upper(currency) as currency,
        timezone
    from source

)

select * from renamed
