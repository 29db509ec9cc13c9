package socket

// RADIO and DISH come with the draft socket types; until then no type is either.
func isRadio(Type) bool { return false }
func isDish(Type) bool  { return false }
