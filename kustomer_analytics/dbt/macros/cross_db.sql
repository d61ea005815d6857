{#- Cross-database helpers: each is dispatched, with a default that DuckDB and PostgreSQL share and
    Snowflake and BigQuery variants, so no model holds SQL of one database only. -#}

{#- A timestamp with time zone, as dlt lands `timestamp` columns. -#}
{% macro kustomer_type_timestamptz() %}
  {{ return(adapter.dispatch('kustomer_type_timestamptz', 'kustomer_analytics')()) }}
{% endmacro %}
{% macro default__kustomer_type_timestamptz() %}timestamp with time zone{% endmacro %}
{% macro snowflake__kustomer_type_timestamptz() %}timestamp_tz{% endmacro %}
{% macro bigquery__kustomer_type_timestamptz() %}timestamp{% endmacro %}

{#- A JSON column, as dlt lands `json` columns. -#}
{% macro kustomer_type_json() %}
  {{ return(adapter.dispatch('kustomer_type_json', 'kustomer_analytics')()) }}
{% endmacro %}
{% macro default__kustomer_type_json() %}json{% endmacro %}
{% macro postgres__kustomer_type_json() %}jsonb{% endmacro %}
{% macro snowflake__kustomer_type_json() %}variant{% endmacro %}

{#- The SQL type of one of dlt's data types (text, timestamp, bigint, double, bool, json). -#}
{% macro kustomer_type(name) %}
  {%- if name == 'text' -%}{{ dbt.type_string() }}
  {%- elif name == 'timestamp' -%}{{ kustomer_type_timestamptz() }}
  {%- elif name == 'bigint' -%}{{ dbt.type_bigint() }}
  {%- elif name == 'double' -%}{{ kustomer_type_double() }}
  {%- elif name == 'bool' -%}{{ dbt.type_boolean() }}
  {%- elif name == 'json' -%}{{ kustomer_type_json() }}
  {%- else -%}{{ exceptions.raise_compiler_error("unknown column type " ~ name) }}
  {%- endif -%}
{% endmacro %}

{#- Milliseconds since 1970 of a timestamp with time zone (whatever the session's time zone). -#}
{% macro kustomer_epoch_ms(ts) %}
  {{ return(adapter.dispatch('kustomer_epoch_ms', 'kustomer_analytics')(ts)) }}
{% endmacro %}
{% macro default__kustomer_epoch_ms(ts) %}(extract(epoch from {{ ts }}) * 1000){% endmacro %}
{% macro duckdb__kustomer_epoch_ms(ts) %}epoch_ms({{ ts }}){% endmacro %}
{% macro snowflake__kustomer_epoch_ms(ts) %}date_part(epoch_millisecond, {{ ts }}){% endmacro %}
{% macro bigquery__kustomer_epoch_ms(ts) %}unix_millis({{ ts }}){% endmacro %}

{#- Minutes from `start` to `end` (fractional, to the millisecond; null when either is null). -#}
{% macro kustomer_minutes_between(start, end) -%}
  (cast({{ kustomer_epoch_ms(end) }} - {{ kustomer_epoch_ms(start) }} as {{ kustomer_type_double() }}) / 60000.0)
{%- endmacro %}

{#- The UTC calendar day of a timestamp with time zone. -#}
{% macro kustomer_utc_date(ts) %}
  {{ return(adapter.dispatch('kustomer_utc_date', 'kustomer_analytics')(ts)) }}
{% endmacro %}
{% macro default__kustomer_utc_date(ts) %}cast(({{ ts }}) at time zone 'UTC' as date){% endmacro %}
{% macro snowflake__kustomer_utc_date(ts) %}to_date(convert_timezone('UTC', {{ ts }})){% endmacro %}
{% macro bigquery__kustomer_utc_date(ts) %}date({{ ts }}, 'UTC'){% endmacro %}

{#- The wall-clock time `minutes` after midnight of the date `day` (no time zone). -#}
{% macro kustomer_wall_clock(day, minutes) %}
  {{ return(adapter.dispatch('kustomer_wall_clock', 'kustomer_analytics')(day, minutes)) }}
{% endmacro %}
{% macro default__kustomer_wall_clock(day, minutes) -%}
  {{ dbt.dateadd('minute', minutes, 'cast(' ~ day ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{%- endmacro %}
{% macro bigquery__kustomer_wall_clock(day, minutes) -%}
  datetime_add(datetime({{ day }}), interval {{ minutes }} minute)
{%- endmacro %}

{#- The instant a wall-clock time (from kustomer_wall_clock) is in the time zone `tz` (an IANA
    name): daylight saving time is the database's, from its time zone tables. -#}
{% macro kustomer_local_to_utc(wall_clock, tz) %}
  {{ return(adapter.dispatch('kustomer_local_to_utc', 'kustomer_analytics')(wall_clock, tz)) }}
{% endmacro %}
{% macro default__kustomer_local_to_utc(wall_clock, tz) %}(({{ wall_clock }}) at time zone {{ tz }}){% endmacro %}
{% macro snowflake__kustomer_local_to_utc(wall_clock, tz) -%}
  convert_timezone('UTC', to_timestamp_tz(to_varchar({{ wall_clock }}, 'YYYY-MM-DD HH24:MI:SS') || ' ' || {{ tz }}, 'YYYY-MM-DD HH24:MI:SS TZR'))
{%- endmacro %}
{% macro bigquery__kustomer_local_to_utc(wall_clock, tz) %}timestamp({{ wall_clock }}, {{ tz }}){% endmacro %}

{#- The day of the week of a date, 0 = Sunday .. 6 = Saturday (as Kustomer's schedules count),
    from the number of days since Sunday 1970-01-04: no database's own week settings. -#}
{% macro kustomer_day_of_week(day) -%}
  mod({{ dbt.datediff("cast('1970-01-04' as date)", day, 'day') }}, 7)
{%- endmacro %}

{#- An integer inside a JSON column at a fixed path, e.g. ['1', 0, 0]: hours["1"][0][0]. -#}
{% macro kustomer_json_int(column, path) %}
  {{ return(adapter.dispatch('kustomer_json_int', 'kustomer_analytics')(column, path)) }}
{% endmacro %}
{% macro default__kustomer_json_int(column, path) -%}
  {%- set ns = namespace(p='$') -%}
  {%- for part in path -%}
    {%- if part is string -%}{%- set ns.p = ns.p ~ '."' ~ part ~ '"' -%}{%- else -%}{%- set ns.p = ns.p ~ '[' ~ part ~ ']' -%}{%- endif -%}
  {%- endfor -%}
  cast(json_extract_string({{ column }}, '{{ ns.p }}') as integer)
{%- endmacro %}
{% macro postgres__kustomer_json_int(column, path) -%}
  cast(cast({{ column }} as jsonb) #>> '{ {{- path | join(',') -}} }' as integer)
{%- endmacro %}
{% macro snowflake__kustomer_json_int(column, path) -%}
  {%- set ns = namespace(p='') -%}
  {%- for part in path -%}
    {%- if part is string -%}{%- set ns.p = ns.p ~ "['" ~ part ~ "']" -%}{%- else -%}{%- set ns.p = ns.p ~ '[' ~ part ~ ']' -%}{%- endif -%}
  {%- endfor -%}
  cast({{ column }}{{ ns.p }} as integer)
{%- endmacro %}
{% macro bigquery__kustomer_json_int(column, path) -%}
  {%- set ns = namespace(p='$') -%}
  {%- for part in path -%}
    {%- if part is string -%}{%- set ns.p = ns.p ~ '."' ~ part ~ '"' -%}{%- else -%}{%- set ns.p = ns.p ~ '[' ~ part ~ ']' -%}{%- endif -%}
  {%- endfor -%}
  cast(json_value({{ column }}, '{{ ns.p }}') as int64)
{%- endmacro %}

{#- The median of an expression, as an aggregate. -#}
{% macro kustomer_median(expr) %}
  {{ return(adapter.dispatch('kustomer_median', 'kustomer_analytics')(expr)) }}
{% endmacro %}
{% macro default__kustomer_median(expr) %}percentile_cont(0.5) within group (order by {{ expr }}){% endmacro %}
{% macro bigquery__kustomer_median(expr) %}approx_quantiles({{ expr }}, 2)[offset(1)]{% endmacro %}

{#- The integers 0 .. 10^digits - 1 as rows of `n` (no generate_series: BigQuery and Snowflake
    have their own). -#}
{% macro kustomer_integers(digits) -%}
  {%- set tens -%}
    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
  {%- endset -%}
  select
    {% for k in range(digits) %}t{{ k }}.d * {{ 10 ** k }}{% if not loop.last %} + {% endif %}{% endfor %} as n
  from {% for k in range(digits) %}({{ tens }}) as t{{ k }}{% if not loop.last %} cross join {% endif %}{% endfor %}
{%- endmacro %}

{#- A column name, quoted only when it is an SQL keyword (`default`). -#}
{% macro kustomer_ident(name) -%}
  {%- if name | lower in ['default', 'limit', 'order', 'group', 'user', 'from', 'to', 'end', 'start'] -%}{{ adapter.quote(name) }}{%- else -%}{{ name }}{%- endif -%}
{%- endmacro %}

{#- A double-precision float (dbt.type_float is 4-byte `float` on DuckDB). -#}
{% macro kustomer_type_double() %}
  {{ return(adapter.dispatch('kustomer_type_double', 'kustomer_analytics')()) }}
{% endmacro %}
{% macro default__kustomer_type_double() %}double precision{% endmacro %}
{% macro snowflake__kustomer_type_double() %}float{% endmacro %}
{% macro bigquery__kustomer_type_double() %}float64{% endmacro %}
