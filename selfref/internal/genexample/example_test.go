package genexample_test

import (
	"errors"
	"fmt"

	"github.com/cellar-go/cellar/selfref"
	"github.com/cellar-go/cellar/selfref/internal/genexample"
)

// The ouroboros example, translated: the builder takes the value of each
// head field and a builder function for each field that borrows; the
// fields are then reached through Borrow and With methods, until the
// bundle is closed.
func ExampleMyStructBuilder() {
	myValue := genexample.MyStructBuilder{
		IntData:   42,
		FloatData: 3.14,
		// Each builder gets pointers to the fields it borrows, inside the
		// bundle.
		IntReferenceBuilder:   func(intData *int) *int { return intData },
		FloatReferenceBuilder: func(floatData *float32) *float32 { return floatData },
	}.Build()

	// Prints 42.
	intData, _ := myValue.BorrowIntData()
	fmt.Println(intData.Get())
	// Prints 3.14.
	floatReference, _ := myValue.BorrowFloatReference()
	f, _ := floatReference.Get()
	fmt.Println(*f)
	// Sets the value of floatData to 84.
	myValue.WithMut(func(fields genexample.MyStructFields) {
		**fields.FloatReference = float32(**fields.IntReference) * 2
	})
	fmt.Println(*f)

	// We can hold on to this reference...
	intRef, _ := myValue.BorrowIntReference()
	r, _ := intRef.Get()
	fmt.Println(*r)
	// ...as long as the bundle is open. Once it is closed, using the
	// borrow is an error, instead of a read of stale data.
	myValue.Close()
	_, err := intRef.Get()
	fmt.Println(err)
	// Output:
	// 42 <nil>
	// 3.14
	// 84
	// 42
	// selfref: bundle is closed
}

// A chain of three, each field borrowing the one before: Close closes the
// statement, then the transaction, then the database.
func ExampleNewStore() {
	j := new(genexample.Journal)
	store := genexample.NewStore(&genexample.DB{Name: "main", J: j},
		func(db **genexample.DB) *genexample.Tx {
			tx, _ := (*db).Begin()
			return tx
		},
		func(tx **genexample.Tx) *genexample.Stmt {
			stmt, _ := (*tx).Prepare("select 1")
			return stmt
		})
	store.Rent(func(stmt **genexample.Stmt) {
		out, _ := (*stmt).Exec()
		fmt.Println(out)
	})
	store.Close()
	for _, e := range j.Events() {
		fmt.Println(e)
	}
	// Output:
	// ran select 1 on main
	// begin on main
	// close stmt "select 1"
	// close tx
	// close db main
}

// A builder that fails closes what was built; the OrRecover variant hands
// the head fields back instead of closing them.
func ExampleTryNewStoreOrRecover() {
	j := new(genexample.Journal)
	_, heads, err := genexample.TryNewStoreOrRecover(&genexample.DB{Name: "main", J: j},
		func(db **genexample.DB) (*genexample.Tx, error) { return (*db).Begin() },
		func(tx **genexample.Tx) (*genexample.Stmt, error) { return (*tx).Prepare("") })
	fmt.Println(err)
	var be *selfref.BuildError
	fmt.Println(errors.As(err, &be), be.Field)
	fmt.Println("recovered db:", heads.Db.Name)
	fmt.Println(j.Events())
	// Output:
	// selfref: building stmt: genexample: empty query
	// true stmt
	// recovered db: main
	// [begin on main close tx]
}

// A bundle whose head is another bundle (rental's subrental): the session
// holds the store, which cannot be closed on its own while the session
// borrows it; closing the session closes its cursor, then the store, which
// closes its own fields.
func ExampleNewSession() {
	j := new(genexample.Journal)
	store := genexample.NewStore(&genexample.DB{Name: "main", J: j},
		func(db **genexample.DB) *genexample.Tx { tx, _ := (*db).Begin(); return tx },
		func(tx **genexample.Tx) *genexample.Stmt { stmt, _ := (*tx).Prepare("q"); return stmt })
	session := genexample.NewSession(store, func(store **genexample.Store) *genexample.Cursor {
		return &genexample.Cursor{J: j}
	})
	fmt.Println(store.Close())
	session.Close()
	fmt.Println(j.Events())
	// Output:
	// selfref: bundle is the head of another bundle
	// [begin on main close cursor close stmt "q" close tx close db main]
}
