-- Every SLA policy version's targets: one row per version, metric and priority, with the policy's
-- name and whether it counts business hours.
with versions as (
    {{ kustomer_source('sla_versions', [
        ('id', 'text'), ('sla_id', 'text'), ('name', 'text'), ('hours', 'text'),
        ('version', 'bigint')]) }}
),

targets as (
    {{ kustomer_source('sla_targets', [
        ('sla_version_id', 'text'), ('sla_id', 'text'), ('metric', 'text'),
        ('priority', 'bigint'), ('enabled', 'bool'), ('target_ms', 'bigint')]) }}
)

select
    t.sla_version_id,
    coalesce(t.sla_id, v.sla_id) as sla_id,
    v.name as sla_name,
    v.version as sla_version,
    (v.hours = 'business') as in_business_hours,
    t.metric,
    t.priority,
    coalesce(t.enabled, true) as is_enabled,
    t.target_ms
from targets as t
left join versions as v on v.id = t.sla_version_id
