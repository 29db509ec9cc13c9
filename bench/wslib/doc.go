// Package wslib compares the WebSocket libraries the ws transport could be built on,
// gobwas/ws and coder/websocket, on what ZWS needs most: streams of small binary
// messages over loopback. It is a nested module so that the main module depends only
// on the library chosen. Run it with
//
//	go test -run - -bench . -benchmem -count 6
package wslib
