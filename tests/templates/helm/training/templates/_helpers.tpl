{{- define "training.name" -}}
{{ .Release.Name }}-{{ .Chart.Name }}
{{- end }}

{{- define "training.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
