-- One row per team (a conversation counts for its first assigned team, '(no team)' without one)
-- over every conversation loaded, spam left out: the numbers of the report's team table.
select
    coalesce(team_id, '(no team)') as team_id,
    coalesce(max(team_name), '(no team)') as team_name,
    count(*) as conversations,
    sum(case when is_open then 1 else 0 end) as open_conversations,
    count(first_reply_time_calendar_minutes) as replied,
    {{ kustomer_median('first_reply_time_calendar_minutes') }} as median_first_reply_calendar_minutes,
    {{ kustomer_median('first_reply_time_business_minutes') }} as median_first_reply_business_minutes,
    count(full_resolution_calendar_minutes) as resolved,
    {{ kustomer_median('full_resolution_calendar_minutes') }}
        as median_full_resolution_calendar_minutes,
    {{ kustomer_median('full_resolution_business_minutes') }}
        as median_full_resolution_business_minutes,
    sum(case when is_rated then 1 else 0 end) as rated,
    case when sum(case when is_rated then 1 else 0 end) > 0 then cast(
        100.0 * sum(case when is_satisfied then 1 else 0 end)
        / sum(case when is_rated then 1 else 0 end) as {{ kustomer_type_double() }}
    ) end as csat_pct,
    sum(case when is_fcr_eligible then 1 else 0 end) as fcr_eligible,
    case when sum(case when is_fcr_eligible then 1 else 0 end) > 0 then cast(
        100.0 * sum(case when is_first_contact_resolution then 1 else 0 end)
        / sum(case when is_fcr_eligible then 1 else 0 end) as {{ kustomer_type_double() }}
    ) end as fcr_pct,
    sum(case when is_sla_breached then 1 else 0 end) as sla_breached
from {{ ref('kustomer__conversation_metrics') }}
where not is_spam
group by coalesce(team_id, '(no team)')
