{#- Business minutes: the one place they are counted.

    Emits common table expressions (to follow other CTEs of a model's `with`), the last of them
    named `into`, with one row per span of `spans`:
        span_id, business_minutes
    where `spans` (a CTE name or relation) has span_id, start_at and end_at (timestamps with time
    zone). business_minutes is the time, in minutes to the millisecond, that lies both inside the
    span and inside the schedule's opening hours, minus its holidays:

    - `schedule_hours` has one row per opening interval of a weekday: day_of_week (0 = Sunday),
      open_minute and close_minute (minutes after local midnight, as Kustomer's schedules keep
      them) and time_zone (an IANA name).
    - `holidays` has one row per holiday: start_at, end_at (instants); the schedule is closed from
      start_at to end_at.

    How: for every local day the spans touch (from two days before the first start to two days
    after the last end, so any UTC offset is covered), each opening interval becomes two instants
    in the schedule's time zone (the database's time zone tables decide daylight saving time, so an
    8-hour day is 8 hours on the days clocks change too). The intervals are cut at every holiday
    boundary inside them and the pieces a holiday covers dropped; then each span sums its overlap
    with the pieces. A span without both ends, or ending before it starts, is NULL; so is every
    span when the schedule has no opening hours (no schedule loaded). -#}
{% macro kustomer_business_minutes(spans, schedule_hours, holidays, into='business_minutes') %}
{{ into }}__bounds as (
    select
        {{ kustomer_utc_date('min(start_at)') }} as first_day,
        {{ kustomer_utc_date('max(end_at)') }} as last_day
    from {{ spans }}
    where start_at is not null and end_at is not null and end_at >= start_at
),
{{ into }}__numbers as (
    {{ kustomer_integers(4) }}
),
{{ into }}__days as (
    select cast({{ dbt.dateadd('day', 'n.n - 2', 'b.first_day') }} as date) as day
    from {{ into }}__bounds as b
    cross join {{ into }}__numbers as n
    where n.n <= {{ dbt.datediff('b.first_day', 'b.last_day', 'day') }} + 4
),
{{ into }}__wall as (
    select
        d.day,
        h.open_minute,
        h.time_zone,
        {{ kustomer_wall_clock('d.day', 'h.open_minute') }} as open_wall,
        {{ kustomer_wall_clock('d.day', 'h.close_minute') }} as close_wall
    from {{ into }}__days as d
    inner join {{ schedule_hours }} as h
        on h.day_of_week = {{ kustomer_day_of_week('d.day') }}
),
{{ into }}__open as (
    select
        day,
        open_minute,
        {{ kustomer_local_to_utc('open_wall', 'time_zone') }} as start_at,
        {{ kustomer_local_to_utc('close_wall', 'time_zone') }} as end_at
    from {{ into }}__wall
),
{{ into }}__cuts as (
    select day, open_minute, start_at as cut_at from {{ into }}__open
    union all
    select day, open_minute, end_at as cut_at from {{ into }}__open
    union all
    select o.day, o.open_minute, hol.start_at as cut_at
    from {{ into }}__open as o
    inner join {{ holidays }} as hol on hol.start_at > o.start_at and hol.start_at < o.end_at
    union all
    select o.day, o.open_minute, hol.end_at as cut_at
    from {{ into }}__open as o
    inner join {{ holidays }} as hol on hol.end_at > o.start_at and hol.end_at < o.end_at
),
{{ into }}__pieces as (
    select
        cut_at as start_at,
        lead(cut_at) over (partition by day, open_minute order by cut_at) as end_at
    from (select distinct day, open_minute, cut_at from {{ into }}__cuts) as c
),
{{ into }}__open_pieces as (
    select p.start_at, p.end_at
    from {{ into }}__pieces as p
    left join {{ holidays }} as hol
        on hol.start_at <= p.start_at and hol.end_at >= p.end_at
    where p.end_at is not null and p.end_at > p.start_at and hol.start_at is null
),
{{ into }}__schedule as (
    select count(*) as intervals from {{ schedule_hours }}
),
{{ into }} as (
    select
        s.span_id,
        case
            when sch.intervals = 0 or s.start_at is null or s.end_at is null
                or s.end_at < s.start_at then null
            else coalesce(sum(case when p.start_at is not null then
                {{ kustomer_epoch_ms('case when p.end_at < s.end_at then p.end_at else s.end_at end') }}
                - {{ kustomer_epoch_ms('case when p.start_at > s.start_at then p.start_at else s.start_at end') }}
            end), 0) / 60000.0
        end as business_minutes
    from {{ spans }} as s
    cross join {{ into }}__schedule as sch
    left join {{ into }}__open_pieces as p
        on p.start_at < s.end_at and p.end_at > s.start_at
    group by s.span_id, s.start_at, s.end_at, sch.intervals
)
{%- endmacro %}
