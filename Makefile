# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
RUN    := $(VENV)/.installed-run
DB     ?= data/demo.duckdb
PORT   ?= 8080

.PHONY: install install-run demo tour test lint bench eval clean

# what running the bot needs (no test or lint tools): make demo
$(RUN): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $(RUN)

# running + the dev tools (pytest, mypy, ruff, import-linter, playwright, the optional extras): make test
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP) $(RUN)

install-run: $(RUN)
install: $(STAMP)

$(DB): | $(RUN)
	$(BIN)/opsbot demo-data --out $(DB)

## make demo [PORT=8080]: install what running needs, generate the demo warehouse (and its rollups) if missing,
## bring the rollups up to date (only the days that changed), run the demo alert rules (tickets to look at),
## then start the bot: web chat at http://127.0.0.1:$(PORT)/ + scheduler
demo: $(RUN) $(DB)
	$(BIN)/opsbot rollups refresh --db $(DB) --quiet
	$(BIN)/opsbot alerts run --db $(DB)
	$(BIN)/opsbot serve --db $(DB) --port $(PORT)

## make tour: the printed walkthrough — the catalog, live queries and questions, forecasts, alerts, tickets
tour: $(RUN) $(DB)
	$(BIN)/opsbot metrics validate --db $(DB)
	$(BIN)/opsbot forecast refresh --db $(DB)
	$(BIN)/opsbot metrics list
	$(BIN)/opsbot query --db $(DB) -m gmv -m orders -m aov -m refund_rate --by channel --from $$($(BIN)/python -c "import datetime as d;print(d.date.today()-d.timedelta(days=8))")
	$(BIN)/opsbot query --db $(DB) -m gmv -m buyers --by date --grain week --limit 8 --order date:desc
	$(BIN)/opsbot query --db $(DB) -m available -m days_of_cover --by sku --having 'days_of_cover<3' --order days_of_cover:asc --limit 10
	$(BIN)/opsbot query --db $(DB) -m gmv -m gross_margin --by category --compare yoy
	$(BIN)/opsbot ask --db $(DB) "上周各渠道的GMV是多少？"
	$(BIN)/opsbot ask --db $(DB) "which SKUs have less than 3 days of cover right now?"
	$(BIN)/opsbot ask --db $(DB) "本月GMV跟去年同期比怎么样？"
	$(BIN)/opsbot ask --db $(DB) "下周哪些SKU会断货？"
	$(BIN)/opsbot ask --db $(DB) "按仓库看未来7天会断货的SKU"
	$(BIN)/opsbot alerts run --db $(DB)
	$(BIN)/opsbot tickets list --status open

## make test: venv + install, then the whole suite (architecture contract and lint included)
test: install
	bash tests/setup_system.sh
	$(BIN)/python -m pytest -q -n 2 --durations=15

## make lint: ruff, mypy (strict) and the import-linter contract of DESIGN.md
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## make bench: the speed targets, printed as figures and ratios
bench: install
	$(BIN)/python bench/run_all.py

## make eval: the NLQ question sets (own + public) on the small test warehouse, per construct and language
eval: install
	$(BIN)/python bench/eval_report.py eval/questions.yaml ../shared/eval/questions.yaml ../shared/eval/questions-more.yaml --wrong

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
