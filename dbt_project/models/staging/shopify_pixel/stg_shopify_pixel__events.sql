with source as (

    select * from {{ source('shopify', 'shopify_pixel_events') }}

),

renamed as (

    select
        workspace_id,
        connection_id,
        window_start as received_window_start,
        landed_at,
        shop_domain,
        event_id,
        event_name,
        client_id,
        occurred_at,
        received_at,
        page_url,
        referrer as referrer_url,
        lower(utm_source) as utm_source,
        lower(utm_medium) as utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        fbclid,
        gclid,
        order_id,
        customer_id,
        cast(order_total as {{ dbt.type_numeric() }}) as order_total,
        upper(currency) as currency
    from source

)

select * from renamed
