package engine

// The task table: every task of the engine, by id. Ids are dense, given out
// from 1 in creation order and never reused (0 is the null Raw's). The
// table is the one place that maps an id to its task, so that a layout in
// which a task can be known by id without being in memory (restored lazily
// from a store, or collected) changes this file rather than its users.

type taskTable struct {
	tasks []*Task // tasks[0] is unused
}

func (tt *taskTable) init() { tt.tasks = make([]*Task, 1, 64) }

// add gives t the next id and enters it.
func (tt *taskTable) add(t *Task) {
	t.id = uint32(len(tt.tasks))
	tt.tasks = append(tt.tasks, t)
}

// has reports whether id names a task.
func (tt *taskTable) has(id uint32) bool { return id != 0 && int(id) < len(tt.tasks) }

// at returns the task id names, which must exist.
func (tt *taskTable) at(id uint32) *Task { return tt.tasks[id] }

// all returns every task, by increasing id.
func (tt *taskTable) all() []*Task { return tt.tasks[1:] }
