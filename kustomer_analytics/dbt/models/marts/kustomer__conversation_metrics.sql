{#- One row per conversation that is not deleted. Incremental: a build after the first reads only
    the conversations updated since the newest one it holds (updated_at, Kustomer's updatedAt, moves
    on every change, a new message included) and replaces their rows; the post-hook removes the
    conversations deleted or gone since. `--full-refresh` rebuilds it whole (after changing the
    schedule or its holidays, say). -#}
{{ config(
    materialized='incremental',
    unique_key='conversation_id',
    incremental_strategy=('merge' if target.type in ('bigquery', 'snowflake', 'databricks') else 'delete+insert'),
    on_schema_change='sync_all_columns',
    post_hook=[
        "delete from {{ this }} where conversation_id not in (select conversation_id from {{ ref('stg_kustomer__conversations') }} where not is_deleted and conversation_id is not null)"
    ],
) }}

{%- set metrics = ['first_response', 'longest_unresponded_message', 'total_conversation_open_time', 'total_customer_wait_time'] %}

with conversations as (
    select *
    from {{ ref('stg_kustomer__conversations') }}
    where not is_deleted
    {% if is_incremental() %}
        and (
            updated_at is null
            or updated_at >= (select max(updated_at) from {{ this }})
            or (select max(updated_at) from {{ this }}) is null
        )
    {% endif %}
),

messages as (
    select * from {{ ref('int_kustomer__conversation_messages') }}
),

spans as (
    select {{ dbt.concat(['conversation_id', "'|first_reply'"]) }} as span_id,
        created_at as start_at, first_response_at as end_at
    from conversations
    union all
    select {{ dbt.concat(['conversation_id', "'|first_resolution'"]) }} as span_id,
        created_at as start_at, first_done_at as end_at
    from conversations
    union all
    select {{ dbt.concat(['conversation_id', "'|full_resolution'"]) }} as span_id,
        created_at as start_at, last_done_at as end_at
    from conversations
),

{{ kustomer_business_minutes('spans', ref('stg_kustomer__schedule_hours'), ref('stg_kustomer__holidays'), into='business') }},

joined as (
    select
        c.*,
        coalesce(m.count_agent_replies, 0) as count_agent_replies,
        coalesce(m.count_customer_messages, 0) as count_customer_messages,
        coalesce(
            c.reopen_count,
            case when c.done_count > 1 then c.done_count - 1 end,
            case when c.last_done_at > c.first_done_at then 1 end,
            0
        ) as count_reopens,
        case
            when c.status = 'done' then coalesce(c.ended_at, c.last_done_at, c.updated_at)
            when c.status is null then coalesce(c.ended_at, c.last_done_at)
        end as resolved_at,
        cast(c.satisfaction_rating_raw as {{ kustomer_type_double() }}) as rating_raw_float,
        fr.business_minutes as first_reply_business,
        fres.business_minutes as first_resolution_business,
        full_res.business_minutes as full_resolution_business
    from conversations as c
    left join messages as m on m.conversation_id = c.conversation_id
    left join business as fr
        on fr.span_id = {{ dbt.concat(['c.conversation_id', "'|first_reply'"]) }}
    left join business as fres
        on fres.span_id = {{ dbt.concat(['c.conversation_id', "'|first_resolution'"]) }}
    left join business as full_res
        on full_res.span_id = {{ dbt.concat(['c.conversation_id', "'|full_resolution'"]) }}
),

final as (
    select
        conversation_id,
        created_at,
        updated_at,
        {{ kustomer_utc_date('created_at') }} as created_day,
        status,
        direction,
        channel,
        team_id,
        team_name,
        assignee_id,
        assignee_name,
        brand_id,
        brand_name,
        priority,
        is_spam,
        is_merged,
        first_response_at as first_reply_at,
        {{ kustomer_minutes_between('created_at', 'first_response_at') }}
            as first_reply_time_calendar_minutes,
        cast(first_reply_business as {{ kustomer_type_double() }}) as first_reply_time_business_minutes,
        first_done_at as first_resolved_at,
        {{ kustomer_minutes_between('created_at', 'first_done_at') }}
            as first_resolution_calendar_minutes,
        cast(first_resolution_business as {{ kustomer_type_double() }})
            as first_resolution_business_minutes,
        last_done_at as last_resolved_at,
        last_done_by_id as resolved_by_id,
        {{ kustomer_minutes_between('created_at', 'last_done_at') }}
            as full_resolution_calendar_minutes,
        cast(full_resolution_business as {{ kustomer_type_double() }}) as full_resolution_business_minutes,
        resolved_at,
        (resolved_at is null) as is_open,
        count_reopens,
        count_agent_replies,
        count_customer_messages,
        message_count,
        coalesce(
            coalesce(direction, 'in') = 'in'
            and first_done_at is not null
            and coalesce(message_count, count_agent_replies + count_customer_messages) > 0
            and not is_merged,
            false
        ) as is_fcr_eligible,
        coalesce(
            coalesce(direction, 'in') = 'in'
            and first_done_at is not null
            and coalesce(message_count, count_agent_replies + count_customer_messages) > 0
            and not is_merged
            and status = 'done'
            and count_reopens = 0,
            false
        ) as is_first_contact_resolution,
        satisfaction_rating_raw,
        case when rating_raw_float is not null then
            1.0 + (rating_raw_float - 1.0) * 4.0 / ({{ var('kustomer_csat_scale_points') }} - 1.0)
        end as satisfaction_rating,
        (rating_raw_float is not null) as is_rated,
        case when rating_raw_float is not null then
            (1.0 + (rating_raw_float - 1.0) * 4.0 / ({{ var('kustomer_csat_scale_points') }} - 1.0)) >= 4.0
        end as is_satisfied,
        sla_id,
        sla_version_id,
        sla_status,
        {%- for m in metrics %}
        coalesce(
            sla_{{ m }}_breach_at is not null
            and (
                sla_{{ m }}_satisfied_at > sla_{{ m }}_breach_at
                or (sla_{{ m }}_satisfied_at is null and sla_{{ m }}_breach_at <= {{ dbt.current_timestamp() }})
            ),
            false
        ) as is_{{ m }}_sla_breached,
        {%- endfor %}
        coalesce(
            coalesce(sla_breached, false)
            {%- for m in metrics %}
            or (
                sla_{{ m }}_breach_at is not null
                and (
                    sla_{{ m }}_satisfied_at > sla_{{ m }}_breach_at
                    or (sla_{{ m }}_satisfied_at is null and sla_{{ m }}_breach_at <= {{ dbt.current_timestamp() }})
                )
            )
            {%- endfor %},
            false
        ) as is_sla_breached,
        cast(kustomer_first_response_business_ms as {{ kustomer_type_double() }}) / 60000.0
            as kustomer_first_reply_business_minutes,
        cast(kustomer_first_done_business_ms as {{ kustomer_type_double() }}) / 60000.0
            as kustomer_first_resolution_business_minutes
    from joined
)

select * from final
