{{- define "unimesh.fullname" -}}
{{- printf "%s" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "unimesh.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "unimesh.secretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{ .Values.secrets.existingSecret }}
{{- else -}}
{{ include "unimesh.fullname" . }}-secrets
{{- end -}}
{{- end -}}

{{- define "unimesh.labels" -}}
app.kubernetes.io/name: unimesh
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The address of one service inside the cluster. */}}
{{- define "unimesh.addr" -}}
{{ include "unimesh.fullname" .root }}-{{ .name }}:{{ .root.Values.grpcPort }}
{{- end -}}
