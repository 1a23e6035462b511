package promsql

// TenantTotalsSQL returns one SELECT of the expression's increase per
// tenant over a range:
//
//	TenantId String, Total Float64
//
// ordered by TenantId, Total being the sum of the per-minute increases
// MinutesSQL counts for the minutes in [{from:DateTime}, {to:DateTime}),
// one row for each tenant in {tenants:Array(String)} (all tenants when it
// is empty) with a sample in them. Ranges that meet add up: the totals of
// two adjacent days are the total of both.
func (i *Increase) TenantTotalsSQL(o Options) string {
	// The expression is the total side of events whose counted side
	// selects nothing: the samples are read once, and Good is 0.
	ev := &Events{Good: &Increase{query: "(none: usage totals)", counting: i.counting}, Total: i}
	return "SELECT TenantId, sum(Total) AS Total\nFROM (\n" + ev.MinutesSQL(o) + ")\nGROUP BY TenantId\nORDER BY TenantId\n"
}
