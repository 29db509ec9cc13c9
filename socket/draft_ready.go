package socket

// Readiness of the draft types, for the Poller (see ready.go).

// singleFrameMsg reports whether a draft type's recv would deliver m rather than drop
// it as multipart.
func singleFrameMsg(m Msg) bool { return len(m.Frames) == 1 }

func (x *serverProto) canRecv() bool {
	return x.in.ready(singleFrameMsg, &x.s.stats.dropMalformed)
}

// canSend cannot know which peer the next message is for: it reports whether some
// peer could take a message now.
func (x *serverProto) canSend() bool {
	for _, p := range x.pipes {
		if !p.dead && (x.s.neverWaits() || !p.out.Full()) {
			return true
		}
	}
	return false
}

func (x *clientProto) canRecv() bool {
	return x.in.ready(singleFrameMsg, &x.s.stats.dropMalformed)
}
func (x *clientProto) canSend() bool { return x.out.ready(x.s) }

func (x *scatterProto) canRecv() bool { return false }
func (x *scatterProto) canSend() bool { return x.out.ready(x.s) }

func (x *gatherProto) canRecv() bool {
	return x.in.ready(singleFrameMsg, &x.s.stats.dropMalformed)
}
func (x *gatherProto) canSend() bool { return false }

func (x *radioProto) canRecv() bool { return false }

// canSend cannot know the next message's group, so under PolicyBlock or PolicyFail it
// says true only when no member of any group is at its high-water mark.
func (x *radioProto) canSend() bool {
	if x.s.neverWaits() {
		return true
	}
	for p := range x.joins {
		if p.out.Full() {
			return false
		}
	}
	return true
}

func (x *dishProto) canRecv() bool { return x.in.ready(x.wanted, &x.s.stats.dropFiltered) }
func (x *dishProto) canSend() bool { return false }

// wanted reports whether the DISH's recv would deliver m rather than drop it.
func (x *dishProto) wanted(m Msg) bool {
	if len(m.Frames) != 2 {
		return false
	}
	_, ok := x.joined[string(m.Frames[0])]
	return ok
}
