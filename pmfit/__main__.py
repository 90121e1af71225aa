from pmfit.cli import console

console()
