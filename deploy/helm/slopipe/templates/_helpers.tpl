{{/*
The chart's name, cut to the 63 characters of a DNS label.
*/}}
{{- define "slopipe.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The name of every object: the release name alone when it already says
slopipe, so `helm install slopipe` gives objects named "slopipe".
*/}}
{{- define "slopipe.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Labels that select the pods; they never change over a release's life.
*/}}
{{- define "slopipe.selectorLabels" -}}
app.kubernetes.io/name: {{ include "slopipe.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of every object but the headless Service, whose component differs
so that the ServiceMonitor scrapes each pod once, through the main Service.
*/}}
{{- define "slopipe.labels" -}}
{{ include "slopipe.commonLabels" . }}
app.kubernetes.io/component: collector
{{- end }}

{{- define "slopipe.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "slopipe.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The image: the embedded store needs the engine library, which only the
"-embedded" build carries.
*/}}
{{- define "slopipe.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.store.embedded }}
{{- $tag = printf "%s-embedded" $tag }}
{{- end }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}

{{/*
The Secret holding the DSN: the user's own, or the chart's.
*/}}
{{- define "slopipe.dsnSecret" -}}
{{- default (include "slopipe.fullname" .) .Values.clickhouse.existingSecret }}
{{- end }}

{{/*
Settings the chart merges over the built-in configuration. Addresses and
paths come in through environment variables (statefulset.yaml); what has
no variable is here.
*/}}
{{- define "slopipe.config" -}}
{{- $store := dict "database" .Values.clickhouse.database }}
{{- if and (not .Values.store.embedded) .Values.clickhouse.cluster }}
{{- $_ := set $store "cluster" .Values.clickhouse.cluster }}
{{- end }}
{{- $chart := dict "extensions" (dict
      "store" $store
      "alerting" (dict "external_url" (default (printf "http://%s:8088" (include "slopipe.fullname" .)) .Values.externalURL))) }}
{{- mustMergeOverwrite $chart (deepCopy .Values.config) | toYaml }}
{{- end }}

{{/*
Refuses values that cannot work together, before anything is applied.
*/}}
{{- define "slopipe.validate" -}}
{{- if .Values.store.embedded }}
{{- if gt (int .Values.replicas) 1 }}
{{- fail "store.embedded: the embedded store is one pod's; set replicas: 1 or use an external ClickHouse (clickhouse.dsn)" }}
{{- end }}
{{- if .Values.clickhouse.cluster }}
{{- fail "clickhouse.cluster: needs the external ClickHouse; the embedded store is a single node (store.embedded: false)" }}
{{- end }}
{{- else if not (or .Values.clickhouse.dsn .Values.clickhouse.existingSecret) }}
{{- fail "clickhouse.dsn or clickhouse.existingSecret: the external ClickHouse needs one (or set store.embedded: true)" }}
{{- end }}
{{- end }}

{{/*
The ports of both Services, named as the container names them.
*/}}
{{- define "slopipe.servicePorts" -}}
- name: otlp-grpc
  port: 4317
  targetPort: otlp-grpc
  appProtocol: grpc
- name: otlp-http
  port: 4318
  targetPort: otlp-http
- name: remote-write
  port: 19291
  targetPort: remote-write
- name: api
  port: 8088
  targetPort: api
- name: metrics
  port: 8888
  targetPort: metrics
- name: health
  port: 13133
  targetPort: health
{{- end }}
