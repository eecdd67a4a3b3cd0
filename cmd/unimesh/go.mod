module github.com/unimesh/unimesh/cmd/unimesh

go 1.26.0

require (
	github.com/unimesh/unimesh/proto v0.0.0-00010101000000-000000000000
	github.com/unimesh/unimesh/pkg v0.0.0-00010101000000-000000000000
	github.com/unimesh/unimesh/services/connect v0.0.0-00010101000000-000000000000
	github.com/unimesh/unimesh/services/crm v0.0.0-00010101000000-000000000000
	github.com/unimesh/unimesh/services/ticketing v0.0.0-00010101000000-000000000000
	github.com/unimesh/unimesh/services/hris v0.0.0-00010101000000-000000000000
	github.com/unimesh/unimesh/services/accounting v0.0.0-00010101000000-000000000000
	github.com/unimesh/unimesh/services/ats v0.0.0-00010101000000-000000000000
	github.com/unimesh/unimesh/services/events v0.0.0-00010101000000-000000000000
	github.com/unimesh/unimesh/gateway v0.0.0-00010101000000-000000000000
)

replace (
	github.com/unimesh/unimesh/proto => ../../proto
	github.com/unimesh/unimesh/pkg => ../../pkg
	github.com/unimesh/unimesh/services/connect => ../../services/connect
	github.com/unimesh/unimesh/services/crm => ../../services/crm
	github.com/unimesh/unimesh/services/ticketing => ../../services/ticketing
	github.com/unimesh/unimesh/services/hris => ../../services/hris
	github.com/unimesh/unimesh/services/accounting => ../../services/accounting
	github.com/unimesh/unimesh/services/ats => ../../services/ats
	github.com/unimesh/unimesh/services/events => ../../services/events
	github.com/unimesh/unimesh/gateway => ../../gateway
)
