module github.com/brokerless/zmq/interop

go 1.26.0

require (
	github.com/brokerless/zmq v0.0.0
	github.com/gobwas/ws v1.5.0
	github.com/pebbe/zmq4 v1.4.0
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/gobwas/httphead v0.1.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/brokerless/zmq => ../
