"""Each row's target class: target cells and labels into class indices, and a CSV column that holds
them."""
