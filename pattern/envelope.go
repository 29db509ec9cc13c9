package pattern

// SplitEnvelope splits a request or reply into its routing envelope and its
// body (zmq-spec §3.3, §3.4). The envelope is every frame up to and
// including the first empty frame, the delimiter; the body is the rest and
// may itself contain empty frames. A multi-hop envelope such as
// [id2][id1][""] is returned whole.
//
// If there is no empty frame, ok is false and env and body are nil: REP
// drops such a message, and REQ treats it as a malformed reply.
//
// env and body share frames' backing array; env is capped at its length,
// so appending to it does not overwrite body.
func SplitEnvelope(frames [][]byte) (env, body [][]byte, ok bool) {
	for i, f := range frames {
		if len(f) == 0 {
			return frames[: i+1 : i+1], frames[i+1:], true
		}
	}
	return nil, nil, false
}
