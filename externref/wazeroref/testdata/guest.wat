;; The guest of the wazeroref tests: it holds host references as opaque
;; externref values, in locals and in an externref table, and hands them
;; back to the host.
(module
  (import "host" "open" (func $open (result externref)))
  (import "host" "write" (func $write (param externref) (result i32)))

  (table $refs 4 externref)

  ;; use stores r in slot 0 with table.set, reads it back with table.get
  ;; and, unless it is null, passes it to host.write; -1 for null.
  (func (export "use") (param $r externref) (result i32)
    (table.set $refs (i32.const 0) (local.get $r))
    (if (ref.is_null (table.get $refs (i32.const 0)))
      (then (return (i32.const -1))))
    (call $write (table.get $refs (i32.const 0))))

  ;; keep stores r in slot i; get returns slot i.
  (func (export "keep") (param $i i32) (param $r externref)
    (table.set $refs (local.get $i) (local.get $r)))
  (func (export "get") (param $i i32) (result externref)
    (table.get $refs (local.get $i)))

  ;; null returns the null externref; is_null tests one.
  (func (export "null") (result externref)
    (ref.null extern))
  (func (export "is_null") (param $r externref) (result i32)
    (ref.is_null (local.get $r)))

  ;; open_and_write asks the host for a reference and writes through it.
  (func (export "open_and_write") (result i32)
    (call $write (call $open))))
