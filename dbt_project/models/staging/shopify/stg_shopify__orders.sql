with source as (

    select * from {{ source('shopify', 'shopify_orders') }}

),

renamed as (

    select
        workspace_id,
        connection_id,
        window_start as captured_window_start,
        window_end as captured_window_end,
        landed_at,
        shop_domain,
        order_id,
        order_name,
        created_at,
        updated_at,
        processed_at,
        cancelled_at,
        deleted_at,
        test = 1 as is_test,
        upper(currency) as currency,
        taxes_included = 1 as taxes_included,
        financial_status,
        fulfillment_status,
        cast(subtotal as {{ dbt.type_numeric() }}) as subtotal,
        cast(total_discounts as {{ dbt.type_numeric() }}) as total_discounts,
        cast(shipping as {{ dbt.type_numeric() }}) as shipping,
        cast(tax as {{ dbt.type_numeric() }}) as tax,
        cast(shipping_tax as {{ dbt.type_numeric() }}) as shipping_tax,
        cast(total as {{ dbt.type_numeric() }}) as total,
        cast(total_refunded as {{ dbt.type_numeric() }}) as total_refunded,
        customer_id,
        cast(customer_order_index as integer) as customer_order_index,
        cast(customer_orders_at_capture as integer) as customer_orders_at_capture,
        journey_ready = 1 as journey_ready,
        cast(days_to_conversion as integer) as days_to_conversion,
        first_visit_visit_id,
        first_visit_occurred_at,
        first_visit_source,
        first_visit_utm_source,
        first_visit_utm_medium,
        first_visit_utm_campaign,
        first_visit_utm_content,
        first_visit_utm_term,
        first_visit_landing_page,
        first_visit_referrer_url,
        last_visit_visit_id,
        last_visit_occurred_at,
        last_visit_source,
        last_visit_utm_source,
        last_visit_utm_medium,
        last_visit_utm_campaign,
        last_visit_utm_content,
        last_visit_utm_term,
        last_visit_landing_page,
        last_visit_referrer_url,
        refunds as refunds_json,
        line_items as line_items_json,
        line_items_complete = 1 as line_items_complete
    from source

)

select * from renamed
