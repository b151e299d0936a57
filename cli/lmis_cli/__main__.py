from lmis_cli.main import app

app()
