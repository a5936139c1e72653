package bridge

import "time"

// Beat records a heartbeat: a notification carrying the firing heartbeat
// alert (spec §13). When the page showed Unknown for want of one, the
// computed statuses come back at once.
func (b *Bridge) Beat() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lastBeat, b.seenBeat = b.now(), b.now()
	if b.beatLost {
		b.beatLost = false
		b.log.Info("heartbeat is back; the page shows the computed statuses again")
		b.lookAgainLocked()
	}
}

// checkHeartbeat turns the page to Unknown once no heartbeat has come for
// the timeout: a dead pipeline must not look green.
func (b *Bridge) checkHeartbeat() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.heartbeat <= 0 || b.beatLost || b.now().Sub(b.lastBeat) < b.heartbeat {
		return
	}
	b.beatLost = true
	b.log.Warn("no heartbeat alert for the heartbeat timeout; every visible component shows Unknown until it returns",
		"last_seen", b.lastBeat, "timeout", b.heartbeat)
	b.lookAgainLocked()
}

// lookAgainLocked has Run look at every visible component now. b.mu must
// be held.
func (b *Bridge) lookAgainLocked() {
	now := b.now()
	for name := range b.services {
		b.waitUntil(name, now)
	}
}

// heartbeatEvery is how often Run checks the heartbeat.
func (b *Bridge) heartbeatEvery() time.Duration {
	if b.heartbeat <= 0 {
		return time.Hour
	}
	return min(max(b.heartbeat/10, time.Second), 30*time.Second)
}

// HeartbeatLastSeen is when the last heartbeat came; zero when none came
// since the start.
func (b *Bridge) HeartbeatLastSeen() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seenBeat
}
