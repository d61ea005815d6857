-- One row per conversation and SLA metric its policy tracks (the conversation's sla.metrics): when
-- it breaches or breached, when it was satisfied, whether it was breached, achieved or is still
-- pending, and the target of the policy version for the conversation's priority.
{%- set metrics = [
    ('first_response', 'firstResponse'),
    ('longest_unresponded_message', 'longestUnrespondedMessage'),
    ('total_conversation_open_time', 'totalConversationOpenTime'),
    ('total_customer_wait_time', 'totalCustomerWaitTime'),
] %}
with conversations as (
    select c.*
    from {{ ref('stg_kustomer__conversations') }} as c
    inner join {{ ref('kustomer__conversation_metrics') }} as m
        on m.conversation_id = c.conversation_id
),

tracked as (
    {%- for column, name in metrics %}
    select
        conversation_id,
        '{{ name }}' as metric,
        sla_id,
        sla_version_id,
        priority,
        sla_{{ column }}_breach_at as breach_at,
        sla_{{ column }}_satisfied_at as satisfied_at
    from conversations
    where sla_{{ column }}_breach_at is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

targets as (
    select * from {{ ref('stg_kustomer__sla_targets') }}
)

select
    t.conversation_id,
    t.metric,
    coalesce(t.sla_id, g.sla_id) as sla_id,
    g.sla_name,
    t.sla_version_id,
    g.sla_version,
    g.in_business_hours,
    t.priority,
    cast(g.target_ms as {{ kustomer_type_double() }}) / 60000.0 as target_minutes,
    t.breach_at,
    t.satisfied_at,
    {{ kustomer_utc_date('coalesce(t.satisfied_at, t.breach_at)') }} as day,
    -- never null: a metric not yet satisfied is breached once its breach time has passed
    ((t.satisfied_at is not null and t.satisfied_at > t.breach_at)
        or (t.satisfied_at is null and t.breach_at <= {{ dbt.current_timestamp() }})) as is_breached,
    (t.satisfied_at is not null and t.satisfied_at <= t.breach_at) as is_achieved,
    (t.satisfied_at is null and t.breach_at > {{ dbt.current_timestamp() }}) as is_pending
from tracked as t
left join targets as g
    on g.sla_version_id = t.sla_version_id and g.metric = t.metric and g.priority = t.priority
