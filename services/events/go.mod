module github.com/unimesh/unimesh/services/events

go 1.26.0

require (
	github.com/unimesh/unimesh/proto v0.0.0-00010101000000-000000000000
	github.com/unimesh/unimesh/pkg v0.0.0-00010101000000-000000000000
)

replace (
	github.com/unimesh/unimesh/proto => ../../proto
	github.com/unimesh/unimesh/pkg => ../../pkg
)
