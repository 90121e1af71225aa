from pmfit.cli import main

main()
