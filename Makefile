# Shortcuts for developers; the README's commands (bash run.sh ...) need nothing but bash.
.PHONY: run test setup wheel lock lint screenshots
run:
	bash run.sh demo
test:
	bash run.sh test
setup:
	bash run.sh setup
wheel:
	bash run.sh wheel
lock:
	bash scripts/lock.sh
lint:
	.venv/bin/ruff check . && .venv/bin/mypy kiosk devices screens offline_cache server_sync central service_common
screenshots:
	for lang in ru zh-Hant en; do for size in 1080x1920 1920x1080; do \
	  .venv/bin/kiosk screenshot --screen home --lang $$lang --size $$size --out var/shots/home-$$lang-$$size.png; done; done
