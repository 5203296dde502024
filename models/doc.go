// Package models holds the data contracts shared by the pipeline, the queue
// and the HTTP server: transcripts, classifications, tasks, events and
// results. It is a leaf: it imports nothing of the project's, nor asynq,
// HTTP or cgo.
package models
