-- One row per conversation the dataset holds (deleted ones too, flagged), with the fields the
-- metrics read, its first channel, first assigned team and user, and whether another
-- conversation was merged into it.
with conversations as (
    {{ kustomer_source('conversations', [
        ('id', 'text'), ('_dlt_id', 'text'),
        ('created_at', 'timestamp'), ('updated_at', 'timestamp'),
        ('status', 'text'), ('direction', 'text'),
        ('deleted', 'bool'), ('_kustomer_deleted_at', 'timestamp'), ('merged_into_id', 'text'),
        ('spam', 'bool'), ('brand_id', 'text'), ('priority', 'bigint'),
        ('ended_at', 'timestamp'), ('message_count', 'bigint'),
        ('first_response__sent_at', 'timestamp'), ('first_response__business_time', 'bigint'),
        ('first_done__created_at', 'timestamp'), ('first_done__business_time', 'bigint'),
        ('last_done__created_at', 'timestamp'), ('last_done__created_by', 'text'),
        ('reopen_count', 'bigint'), ('done_count', 'bigint'),
        ('satisfaction', 'bigint'), ('satisfaction_level__rating', 'bigint'),
        ('satisfaction_level__status', 'text'),
        ('sla_id', 'text'), ('sla_version_id', 'text'),
        ('sla__breached', 'bool'), ('sla__status', 'text'), ('sla__matched_at', 'timestamp'),
        ('sla__metrics__first_response__breach_at', 'timestamp'),
        ('sla__metrics__first_response__satisfied_at', 'timestamp'),
        ('sla__metrics__longest_unresponded_message__breach_at', 'timestamp'),
        ('sla__metrics__longest_unresponded_message__satisfied_at', 'timestamp'),
        ('sla__metrics__total_conversation_open_time__breach_at', 'timestamp'),
        ('sla__metrics__total_conversation_open_time__satisfied_at', 'timestamp'),
        ('sla__metrics__total_customer_wait_time__breach_at', 'timestamp'),
        ('sla__metrics__total_customer_wait_time__satisfied_at', 'timestamp'),
    ]) }}
),

channels as (
    {{ kustomer_source('conversations__channels', [
        ('value', 'text'), ('_dlt_parent_id', 'text'), ('_dlt_list_idx', 'bigint')]) }}
),

assigned_teams as (
    {{ kustomer_source('conversations__assigned_teams', [
        ('value', 'text'), ('_dlt_parent_id', 'text'), ('_dlt_list_idx', 'bigint')]) }}
),

assigned_users as (
    {{ kustomer_source('conversations__assigned_users', [
        ('value', 'text'), ('_dlt_parent_id', 'text'), ('_dlt_list_idx', 'bigint')]) }}
),

teams as (
    {{ kustomer_source('teams', [('id', 'text'), ('name', 'text'), ('display_name', 'text')]) }}
),

users as (
    {{ kustomer_source('users', [('id', 'text'), ('name', 'text'), ('display_name', 'text')]) }}
),

brands as (
    {{ kustomer_source('brands', [('id', 'text'), ('name', 'text')]) }}
),

merge_targets as (
    select distinct merged_into_id as conversation_id
    from conversations
    where merged_into_id is not null
)

select
    c.id as conversation_id,
    c.created_at,
    c.updated_at,
    c.status,
    c.direction,
    (coalesce(c.deleted, false) or c._kustomer_deleted_at is not null) as is_deleted,
    coalesce(c.spam, false) as is_spam,
    (m.conversation_id is not null) as is_merged,
    c.brand_id,
    b.name as brand_name,
    c.priority,
    ch.value as channel,
    t.value as team_id,
    coalesce(tm.display_name, tm.name, t.value) as team_name,
    u.value as assignee_id,
    coalesce(us.display_name, us.name, u.value) as assignee_name,
    c.ended_at,
    c.message_count,
    c.first_response__sent_at as first_response_at,
    c.first_done__created_at as first_done_at,
    c.last_done__created_at as last_done_at,
    c.last_done__created_by as last_done_by_id,
    c.reopen_count,
    c.done_count,
    coalesce(c.satisfaction_level__rating, c.satisfaction) as satisfaction_rating_raw,
    c.satisfaction_level__status as satisfaction_status,
    c.first_response__business_time as kustomer_first_response_business_ms,
    c.first_done__business_time as kustomer_first_done_business_ms,
    c.sla_id,
    c.sla_version_id,
    c.sla__breached as sla_breached,
    c.sla__status as sla_status,
    c.sla__matched_at as sla_matched_at,
    c.sla__metrics__first_response__breach_at as sla_first_response_breach_at,
    c.sla__metrics__first_response__satisfied_at as sla_first_response_satisfied_at,
    c.sla__metrics__longest_unresponded_message__breach_at
        as sla_longest_unresponded_message_breach_at,
    c.sla__metrics__longest_unresponded_message__satisfied_at
        as sla_longest_unresponded_message_satisfied_at,
    c.sla__metrics__total_conversation_open_time__breach_at
        as sla_total_conversation_open_time_breach_at,
    c.sla__metrics__total_conversation_open_time__satisfied_at
        as sla_total_conversation_open_time_satisfied_at,
    c.sla__metrics__total_customer_wait_time__breach_at as sla_total_customer_wait_time_breach_at,
    c.sla__metrics__total_customer_wait_time__satisfied_at
        as sla_total_customer_wait_time_satisfied_at
from conversations as c
left join merge_targets as m on m.conversation_id = c.id
left join channels as ch on ch._dlt_parent_id = c._dlt_id and ch._dlt_list_idx = 0
left join assigned_teams as t on t._dlt_parent_id = c._dlt_id and t._dlt_list_idx = 0
left join teams as tm on tm.id = t.value
left join assigned_users as u on u._dlt_parent_id = c._dlt_id and u._dlt_list_idx = 0
left join users as us on us.id = u.value
left join brands as b on b.id = c.brand_id
