--[[ handout.lua: the pandoc Lua filter that turns handouts/NN-slug.md into a
handout page. scripts/handouts runs it; scripts/test-handouts checks what it
does.

Usage: pandoc --lua-filter handouts/handout.lua handouts/NN-slug.md ...
with these environment variables (scripts/handouts sets them):
  HANDOUT_MODE       student (answers removed), instructor (answers shown),
                     answers (the document becomes its answers only: for tests)
  HANDOUT_LAB        the lab's folder name (01-file-mapping); default: the
                     input file's name without .md
  HANDOUT_EXPECTED   the expected/ folder (absolute)
  HANDOUT_SRC        the handouts/ folder (absolute): other images are relative
                     to it
  HANDOUT_PLOTS      the plots folder, $LAB_BUILD/plots (absolute)
  HANDOUT_PLOT_EXT   png: a plot named NAME.svg is taken as NAME.png when there
                     is one (the pages PDFs are made from)
  HANDOUT_LABS       a file of "slug<TAB>title<TAB>lab folder exists (0|1)"
                     lines, for the index's table of labs
  HANDOUT_REPORT     link to the reproduction report, relative to the page
  PAGE               the page size in bytes (getconf PAGESIZE)

What it does:
  * <!-- expected: NAME --> becomes the graded run expected/LAB/NAME.out: its
    comment lines as the explanation, the "$ command", the expected stdout and
    the exit status. {{EXPR}} placeholders are shown as <EXPR> with a note
    giving this machine's value; {{*}} and {{#}} as <any text> and <number>.
  * ::: answer ... ::: divs are removed (student) or shown as answers
    (instructor).
  * Images under plots/ (or build/plots/) come from HANDOUT_PLOTS. If the plots
    are not built yet, a visible note takes the image's place; if they are
    built and the image is missing, that is a warning and a visible error.
  * Links to NN-slug.md become links to NN-slug.html.
  * The first level-1 heading becomes the title when there is no title.
  * <!-- labs --> (in index.md) becomes the table of labs.
  * <!-- task --> becomes "Your task": the solution regions of the lab's
    hand-in programs (labs/LAB/*.c), their titles and TODO text, with a
    difficulty and time estimated from the size of the reference code, and
    hints (the man pages of the calls the TODO names, and handouts/hints.tsv);
    never a line of the reference code itself.
  * <!-- plots --> becomes the benchmark's plots (plots/throughput.svg,
    latency.svg, copies.svg: the rules for images below).
  * <!-- handin --> becomes "What to hand in": the hand-in files, make handin,
    make grade, the points of each item (expected/points.txt, through
    scripts/points) and how many hidden items there are.
Problems are reported on stderr as "[WARNING] handout: ..." lines:
scripts/handouts fails when pandoc writes anything on stderr.
]]

local mode = os.getenv('HANDOUT_MODE') or 'student'
local expected_dir = os.getenv('HANDOUT_EXPECTED') or 'expected'
local src_dir = os.getenv('HANDOUT_SRC') or 'handouts'
local plots_dir = os.getenv('HANDOUT_PLOTS') or 'build/plots'
local labs_file = os.getenv('HANDOUT_LABS')
local report_link = os.getenv('HANDOUT_REPORT') or '../report/report.html'
local page = tonumber(os.getenv('PAGE') or '')
-- The project's root: labs/, scripts/points and handouts/hints.tsv.
local root_dir = os.getenv('HANDOUT_ROOT') or (src_dir .. '/..')

local input = (PANDOC_STATE.input_files or {})[1] or 'stdin'
local lab = os.getenv('HANDOUT_LAB')
-- Hidden graded runs ("LAB/NAME ..."): not shown in the student edition.
local hidden = {}
for item in (os.getenv('HANDOUT_HIDDEN') or ''):gmatch('%S+') do hidden[item] = true end
if lab == nil or lab == '' then
  lab = input:match('([^/]+)%.md$') or input
end

local function warn(msg)
  io.stderr:write('[WARNING] handout: ' .. input .. ': ' .. msg .. '\n')
end

local function exists(path)
  local f = io.open(path, 'r')
  if f == nil then return false end
  f:close()
  return true
end

local function is_dir(path)
  -- io.open on a directory succeeds, reading it fails
  local f = io.open(path, 'r')
  if f == nil then return false end
  local ok, _, code = f:read(1)
  f:close()
  return ok == nil and code == 21  -- EISDIR
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  return lines
end

-- A visible error box, so that nothing broken ever silently vanishes.
local function error_block(text)
  return pandoc.Div({pandoc.Para({pandoc.Strong({pandoc.Str('Missing:')}),
                                  pandoc.Space(), pandoc.Str(text)})},
                    pandoc.Attr('', {'missing'}))
end

---------------------------------------------------------------------------
-- {{EXPR}} placeholders of expected files (format: expected/README.md)

-- Evaluate an integer expression of PAGE like the runner does (bash $((..))).
local function evaluate(expr)
  if page == nil or not expr:match('^[-0-9PAGE+*/%%() ]+$') then return nil end
  local lua_expr = expr:gsub('PAGE', tostring(page)):gsub('/', '//')
  local chunk = load('return ' .. lua_expr, 'expr', 't', {})
  if chunk == nil then return nil end
  local ok, value = pcall(chunk)
  if not ok or type(value) ~= 'number' then return nil end
  return math.tointeger(value) or value
end

-- Replace placeholders in one line; remember what was used in `seen`.
local function render_placeholders(line, seen)
  return (line:gsub('{{([^}]*)}}', function(expr)
    if expr == '*' then seen.any = true; return '‹any text›' end
    if expr == '#' then seen.number = true; return '‹number›' end
    if not expr:match('^[-0-9PAGE+*/%%() ]+$') then
      warn('bad placeholder {{' .. expr .. '}}')
      return '‹?' .. expr .. '›'
    end
    if expr ~= 'PAGE' and not seen[expr] then
      seen[expr] = true
      seen.exprs[#seen.exprs + 1] = expr
    end
    seen.page = true
    return '‹' .. expr .. '›'
  end))
end

local function placeholder_note(seen)
  local parts = {}
  if seen.page then
    local text = '‹PAGE› is the page size in bytes'
    if page then
      text = text .. ': ' .. page .. ' on the machine that built this page'
      local values = {}
      for _, e in ipairs(seen.exprs) do
        local v = evaluate(e)
        values[#values + 1] = e .. ' = ' .. (v and tostring(v) or '?')
      end
      if #values > 0 then text = text .. ', so ' .. table.concat(values, ', ') end
    end
    parts[#parts + 1] = text .. '.'
  end
  if seen.any then
    parts[#parts + 1] = '‹any text› stands for text that varies from run to run.'
  end
  if seen.number then
    parts[#parts + 1] = '‹number› stands for a number that varies from run to run.'
  end
  if #parts == 0 then return nil end
  return pandoc.Div({pandoc.Para({pandoc.Str(table.concat(parts, ' '))})},
                    pandoc.Attr('', {'run-note'}))
end

local function status_text(line)
  local n = line:match('^%[exit (%d+)%]$')
  if n then
    return 'Exit status ' .. n .. (n == '0' and ' (success).' or '.')
  end
  local sig = line:match('^%[signal (SIG%w+)%]$')
  if sig then return 'The program is killed by ' .. sig .. '.' end
  if line == '[timeout]' then return 'The run times out.' end
  return nil
end

local runs_shown = 0

-- Lines of a run as a code block. In HTML each line is a span, so that a
-- line too wide for the page wraps with a hanging indent (style.css).
local function html_escape(t)
  return (t:gsub('[&<>"]', {['&'] = '&amp;', ['<'] = '&lt;', ['>'] = '&gt;', ['"'] = '&quot;'}))
end
local function lines_block(lines)
  if not FORMAT:match('html') then return pandoc.CodeBlock(table.concat(lines, '\n')) end
  local spans = {}
  for _, l in ipairs(lines) do
    spans[#spans + 1] = '<span class="ln">' .. html_escape(l) .. '\n</span>'
  end
  return pandoc.RawBlock('html', '<pre><code>' .. table.concat(spans) .. '</code></pre>')
end

-- The graded run expected/LAB/NAME.out as a block (ID: its HTML id, if any).
local function expected_block(name, id)
  local rel = 'expected/' .. lab .. '/' .. name .. '.out'
  local path = expected_dir .. '/' .. lab .. '/' .. name .. '.out'
  if hidden[lab .. '/' .. name] and mode ~= 'instructor' then
    return pandoc.Div({pandoc.Para({pandoc.Emph({pandoc.Str('A hidden graded run: its command and output are shown after grading.')})})},
                      pandoc.Attr(id or '', {}))
  end
  if not exists(path) then
    warn('<!-- expected: ' .. name .. ' -->: ' .. rel .. ' does not exist')
    return error_block('the graded run ' .. rel .. ' does not exist.')
  end
  local lines = read_lines(path)
  local comments, paragraph, command, output = {}, {}, nil, {}
  for _, line in ipairs(lines) do
    if command == nil then
      if line:match('^%$ ') then
        command = line:sub(3)
      elseif line:match('^# *timeout:') or line:match('^# *hint:') then
        -- the runner's time limit: not part of the explanation
      elseif line:match('^#') then
        local text = line:gsub('^# ?', '')
        if text:match('^%s*$') then
          if #paragraph > 0 then comments[#comments + 1] = table.concat(paragraph, '\n') end
          paragraph = {}
        else
          paragraph[#paragraph + 1] = text
        end
      end
    else
      output[#output + 1] = line
    end
  end
  if #paragraph > 0 then comments[#comments + 1] = table.concat(paragraph, '\n') end
  if command == nil then
    warn(rel .. ' has no "$ command" line')
    return error_block(rel .. ' has no "$ command" line.')
  end

  local status = nil
  if #output > 0 then
    status = status_text(output[#output])
    if status then table.remove(output) end
  end
  if status == nil then warn(rel .. ' does not end with an exit status line') end

  local seen = {exprs = {}}
  local out_text = {}
  for _, line in ipairs(output) do out_text[#out_text + 1] = render_placeholders(line, seen) end

  local blocks = {}
  local widest = 0
  blocks[#blocks + 1] = pandoc.Para({pandoc.Strong({pandoc.Str('Graded run')}),
    pandoc.Space(), pandoc.Code(name), pandoc.Space(),
    pandoc.Str('(' .. rel .. ')')})
  for _, c in ipairs(comments) do
    for _, b in ipairs(pandoc.read(c, 'markdown').blocks) do blocks[#blocks + 1] = b end
  end
  -- Classes go on a Div around each CodeBlock: a CodeBlock with a class
  -- makes pandoc load its syntax highlighter, which costs 0.3 s a page.
  blocks[#blocks + 1] = pandoc.Div({lines_block({'$ ' .. render_placeholders(command, seen)})},
                                   pandoc.Attr('', {'command'}))
  if #out_text > 0 then
    -- Output wider than 92 columns is printed smaller (style.css).
    for _, l in ipairs(out_text) do widest = math.max(widest, utf8.len(l) or #l) end
    blocks[#blocks + 1] = pandoc.Div({lines_block(out_text)},
      pandoc.Attr('', widest > 92 and {'output', 'wide'} or {'output'}))
  else
    blocks[#blocks + 1] = pandoc.Para({pandoc.Emph({pandoc.Str('(no output on stdout)')})})
  end
  if status then
    blocks[#blocks + 1] = pandoc.Div({pandoc.Para({pandoc.Str(status)})},
                                     pandoc.Attr('', {'run-status'}))
  end
  local note = placeholder_note(seen)
  if note then blocks[#blocks + 1] = note end
  runs_shown = runs_shown + 1
  if runs_shown == 1 then
    blocks[#blocks + 1] = pandoc.Div(pandoc.read(
      'To run it yourself: `make`, then in an empty directory with `build/bin` on ' ..
      'your `PATH` and `LAB_DIR` set to `labs/' .. lab .. '` (see [how to work ' ..
      'through a lab](index.html#how-to-work-through-a-lab)). `make check LAB=' ..
      (lab:match('^(%d+)') or lab) .. '` runs it and compares.',
      'markdown').blocks, pandoc.Attr('', {'run-note'}))
  end
  return pandoc.Div(blocks, pandoc.Attr(id or '', widest > 92 and {'run', 'wide'} or {'run'}))
end

---------------------------------------------------------------------------
-- The index's table of labs

local function labs_table()
  if labs_file == nil or not exists(labs_file) then
    warn('<!-- labs -->: no list of labs (HANDOUT_LABS)')
    return error_block('the list of labs was not given to the build.')
  end
  local md = {'| Handout | Lab folder |', '|---|---|'}
  for line in io.lines(labs_file) do
    local slug, title, has_lab = line:match('^([^\t]*)\t([^\t]*)\t([^\t]*)$')
    if slug then
      local folder = '`labs/' .. slug .. '/`'
      local link = '[' .. title:gsub('([%[%]|\\])', '\\%1') .. '](' .. slug .. '.html)'
      if has_lab == 'missing' then link = slug .. ': *no handout yet*' end
      if has_lab == '0' then folder = '*not written yet*' end
      md[#md + 1] = '| ' .. link .. ' | ' .. folder .. ' |'
    end
  end
  return pandoc.read(table.concat(md, '\n'), 'markdown').blocks
end

---------------------------------------------------------------------------
-- Filters

local function comment_of(block)
  if block.t == 'RawBlock' and block.format:match('html') then
    return block.text:match('^%s*<!%-%-%s*(.-)%s*%-%->%s*$')
  end
  if block.t == 'Para' or block.t == 'Plain' then
    local c = block.content
    if #c == 1 and c[1].t == 'RawInline' and c[1].format:match('html') then
      return c[1].text:match('^%s*<!%-%-%s*(.-)%s*%-%->%s*$')
    end
  end
  return nil
end

-- <!-- prints -->: the section "What your program prints": every graded run
-- of the lab, in name order (hidden ones only named in the student edition).
local function prints_section()
  local blocks = {
    pandoc.Header(2, {pandoc.Str('What your program prints')}),
    pandoc.Para(pandoc.read('The graded runs below are the specification: each compares '
      .. 'your programs\' standard output with these lines exactly, and their exit '
      .. 'status. Values that depend on the page size are shown for this machine. '
      .. 'Standard error is not compared, but a usage or error message must be one '
      .. 'line that starts with the program\'s name and names the object.').blocks[1].content),
  }
  local dir = expected_dir .. '/' .. lab
  local pipe = io.popen('ls -1 "' .. dir .. '" 2>/dev/null')
  local names = {}
  if pipe then
    for f in pipe:lines() do
      local n = f:match('^(.*)%.out$')
      if n then names[#names + 1] = n end
    end
    pipe:close()
  end
  table.sort(names)
  if #names == 0 then warn('<!-- prints -->: no graded run in ' .. dir) end
  for _, n in ipairs(names) do
    local b = expected_block(n, 'run-' .. n)
    if type(b) == 'table' and b.t == nil then
      for _, x in ipairs(b) do blocks[#blocks + 1] = x end
    else
      blocks[#blocks + 1] = b
    end
  end
  return blocks
end

---------------------------------------------------------------------------
-- "Your task" and "What to hand in", from the lab's sources (never drift)

local function list_dir(dir, pattern)
  local names = {}
  local pipe = io.popen('ls -1 "' .. dir .. '" 2>/dev/null')
  if pipe then
    for f in pipe:lines() do
      local n = f:match(pattern)
      if n then names[#names + 1] = n end
    end
    pipe:close()
  end
  table.sort(names)
  return names
end

-- The solution regions of one program: {title, number, todo = {lines},
-- stop = lab_todo's text, size = lines of reference code}.
local function regions_of(path)
  local regions, cur = {}, nil
  for line in io.lines(path) do
    local title = line:match('^%s*// BEGIN SOLUTION:?%s*(.-)%s*$')
    if title then
      cur = {title = title, todo = {}, size = 0}
    elseif line:match('^%s*// END SOLUTION') then
      if cur then regions[#regions + 1] = cur end
      cur = nil
    elseif cur then
      local stub = line:match('^%s*//|%s?(.*)$')
      if stub then
        local c = stub:match('^%s*//%s?(.*)$')
        if c then cur.todo[#cur.todo + 1] = c end
        local stop = stub:match('lab_todo%("(.*)"%)')
        if stop then cur.stop = stop end
      elseif not line:match('^%s*$') and not line:match('^%s*//') and
             not line:match('^%s*[{}]%s*$') then
        cur.size = cur.size + 1
      end
    end
  end
  for i, r in ipairs(regions) do
    local n = r.todo[1] and r.todo[1]:match('^%s*TODO%s*(%d+)%s*:')
    r.number = tonumber(n)
    r.order = i
    if r.todo[1] then
      r.todo[1] = r.todo[1]:gsub('^%s*TODO%s*%d*%s*:%s*', ''):gsub('^%l', string.upper)
    end
    r.title = r.title:gsub('^%l', string.upper)
  end
  -- The order to write them in: the TODO numbers, else the file's order.
  table.sort(regions, function(a, b)
    return (a.number or a.order) < (b.number or b.order)
  end)
  return regions
end

-- The hand-in programs of the lab (those with solution regions), in the
-- order the handout first names them, the others after in name order. A
-- header with regions (lab 12's ring.h) is handed in too; its stubs stop
-- whichever program includes it.
local handin_cache = nil
local function handin_programs()
  if handin_cache then return handin_cache end
  local dir = root_dir .. '/labs/' .. lab
  local progs = {}
  for _, n in ipairs(list_dir(dir, '^(.*%.[ch])$')) do
    if not n:match('^test_') then
      local rs = regions_of(dir .. '/' .. n)
      if #rs > 0 then
        progs[#progs + 1] = {file = n, name = n:gsub('%.c$', ''), regions = rs,
                             prog = n:match('%.h$') and 'PROGRAM' or nil}
      end
    end
  end
  local text = ''
  local f = io.open(input, 'r')
  if f then text = f:read('a'); f:close() end
  for _, p in ipairs(progs) do
    p.first = text:find('%f[%w_]' .. p.name:gsub('%-', '%%-') .. '%f[^%w_]') or math.huge
  end
  table.sort(progs, function(a, b)
    if a.first ~= b.first then return a.first < b.first end
    return a.file < b.file
  end)
  handin_cache = progs
  return progs
end

-- Difficulty and time from the size of the reference code (lines that are
-- not blank, comments or lone braces): a heuristic, and the page says so.
local function estimate(size)
  local level = size <= 6 and 'easy' or (size <= 15 and 'medium' or 'harder')
  local minutes = math.max(10, 5 * math.ceil(size * 1.5 / 5))
  return level, minutes
end

-- Calls a TODO may name, and their manual section. read, write and close
-- count only when written as calls ("read(").
local man_pages = {
  mmap = 2, munmap = 2, msync = 2, mremap = 2, mprotect = 2, ftruncate = 2,
  fstat = 2, flock = 2, nanosleep = 2, clock_gettime = 2, pipe = 2, fork = 2,
  waitpid = 2, getrusage = 2, shm_open = 3, shm_unlink = 3, shmget = 2,
  shmat = 2, shmdt = 2, shmctl = 2, sem_init = 3, sem_wait = 3, sem_post = 3,
  pthread_mutex_lock = 3, pthread_mutex_unlock = 3, pthread_mutex_init = 3,
  pthread_mutexattr_setpshared = 3, memcpy = 3, malloc = 3,
  read = 2, write = 2, close = 2,
}
local needs_parens = {read = true, write = true, close = true}

local function calls_named(text)
  local found, seen = {}, {}
  for word, after in text:gmatch('%f[%w_]([%a_][%w_]*)%f[^%w_](%(?)') do
    local sec = man_pages[word]
    if sec and not seen[word] and (after == '(' or not needs_parens[word]) then
      seen[word] = true
      found[#found + 1] = word .. '(' .. sec .. ')'
    end
  end
  if text:match('PTHREAD_PROCESS_SHARED') and not seen.pthread_mutexattr_setpshared then
    found[#found + 1] = 'pthread_mutexattr_setpshared(3)'
  end
  return found
end

-- handouts/hints.tsv: "PROGRAM.c<TAB>REGION TITLE<TAB>hint (Markdown)".
local hints = nil
local hints_used = {}
local function hints_for(file, title)
  if hints == nil then
    hints = {}
    local path = src_dir .. '/hints.tsv'
    if exists(path) then
      for line in io.lines(path) do
        if not line:match('^#') and not line:match('^%s*$') then
          local f, t, h = line:match('^([^\t]+)\t([^\t]+)\t(.+)$')
          if f then
            hints[#hints + 1] = {file = f, title = t, text = h}
          end
        end
      end
    end
  end
  local out = {}
  for i, h in ipairs(hints) do
    if h.file == file and h.title:lower() == title:lower() then
      out[#out + 1] = h.text
      hints_used[i] = true
    end
  end
  return out
end

-- TODO text (comment lines) as Markdown: prose lines joined, lines indented
-- by two spaces or more (sample output, tables of cases) as a code block.
local function todo_markdown(lines)
  local md, code = {}, {}
  local function flush()
    if #code > 0 then
      -- strip the common indentation
      local min = math.huge
      for _, l in ipairs(code) do min = math.min(min, #l:match('^(%s*)')) end
      local block = {}
      for _, l in ipairs(code) do block[#block + 1] = l:sub(min + 1) end
      md[#md + 1] = '\n```\n' .. table.concat(block, '\n') .. '\n```\n'
      code = {}
    end
  end
  for _, l in ipairs(lines) do
    if l:match('^%s%s') then
      code[#code + 1] = l
    else
      flush()
      -- The program's names in code spans (calls, CAPITALS, flags,
      -- names_with_underscores, p->field); the rest escaped, so that no
      -- Markdown creeps in.
      local held = {}
      local function hold(x)
        held[#held + 1] = x
        return '\0' .. #held .. '\0'
      end
      local s = l:gsub('[%a_][%w_]*%b()', hold)
      s = s:gsub('%f[%w_>-][%a_][%w_]*%->[%a_][%w_]*', hold)
      s = s:gsub('%f[%w_][%u][%u%d_]*|[%u][%u%d_|]*[%u%d]%f[^%w_|]', hold)  -- O_CREAT|O_EXCL
      s = s:gsub('%f[%w_][%u][%u%d_]*[%u%d]%f[^%w_]', function(w)
        if w == 'TODO' then return nil end
        return hold(w)
      end)
      s = s:gsub('%f[%w_][%a][%w]*_[%w_]+%f[^%w_]', hold)
      s = s:gsub('([\\`*_%[%]<>#|~^$@])', '\\%1')
      s = s:gsub('\0(%d+)\0', function(n) return '`' .. held[tonumber(n)] .. '`' end)
      md[#md + 1] = s
    end
  end
  flush()
  return table.concat(md, '\n')
end

local print_hints = {}  -- hints repeated at the end of the page, for print

local function task_section()
  local progs = handin_programs()
  local blocks = {pandoc.Header(2, {pandoc.Str('Your'), pandoc.Space(), pandoc.Str('task')},
                                pandoc.Attr('your-task'))}
  local function md(text)
    for _, b in ipairs(pandoc.read(text, 'markdown').blocks) do blocks[#blocks + 1] = b end
  end
  if #progs == 0 then
    md('This lab has no program for you to write: you run its programs, read what they ' ..
       'print and answer the questions. `make check LAB=' .. (lab:match('^(%d+)') or lab) ..
       '` runs its tests.')
    return blocks
  end
  local total = 0
  for _, p in ipairs(progs) do
    for _, r in ipairs(p.regions) do total = total + select(2, estimate(r.size)) end
  end
  md('In the student kit, the experiment itself is left for you to write: the parts ' ..
     'below, marked `TODO` in the programs, in this order. Everything around them ' ..
     '(arguments, output, error messages) is given. A part you have not written yet stops ' ..
     'its program with `PROGRAM: not implemented yet: ...` and exit status 99, so the ' ..
     'tests always tell you which part comes next. Difficulty and time are estimated ' ..
     'from the length of the reference solution (about ' .. total .. ' minutes in all); ' ..
     'the hints unfold on a click (in print they are at the end of the page).')
  local hint_no = 0
  for _, p in ipairs(progs) do
    blocks[#blocks + 1] = pandoc.Header(3, {pandoc.Code('labs/' .. lab .. '/' .. p.file)})
    local items = {}
    for _, r in ipairs(p.regions) do
      local level, minutes = estimate(r.size)
      local item = {}
      local head = pandoc.List({pandoc.Strong(pandoc.read(
        r.title:gsub('([\\`*_%[%]<>#|~^$@])', '\\%1'), 'markdown-smart').blocks[1].content)})
      head:insert(pandoc.Str(' · '))
      head:insert(pandoc.Emph({pandoc.Str(level .. ', about ' .. minutes .. ' min')}))
      item[#item + 1] = pandoc.Para(head)
      if #r.todo > 0 then
        -- not smart: 'p' is a C character, --sync an option
        for _, b in ipairs(pandoc.read(todo_markdown(r.todo), 'markdown-smart').blocks) do
          item[#item + 1] = b
        end
      end
      if r.stop then
        item[#item + 1] = pandoc.Para({pandoc.Str('Until'), pandoc.Space(), pandoc.Str('it'),
          pandoc.Space(), pandoc.Str('is'), pandoc.Space(), pandoc.Str('written:'), pandoc.Space(),
          pandoc.Code((p.prog or p.name) .. ': not implemented yet: ' .. r.stop)})
      end
      -- Hints: the manual pages of the calls named, and the written ones.
      local hint_blocks = {}
      local calls = calls_named(table.concat(r.todo, ' '))
      if #calls > 0 then
        local inl = pandoc.List({pandoc.Str('Manual'), pandoc.Space(), pandoc.Str('pages:'), pandoc.Space()})
        for i, c in ipairs(calls) do
          if i > 1 then inl:insert(pandoc.Str(',')); inl:insert(pandoc.Space()) end
          inl:insert(pandoc.Code('man ' .. c:gsub('(.-)%((%d)%)', '%2 %1')))
        end
        inl:insert(pandoc.Str('.'))
        hint_blocks[#hint_blocks + 1] = pandoc.Para(inl)
      end
      for _, h in ipairs(hints_for(p.file, r.title)) do
        for _, b in ipairs(pandoc.read(h, 'markdown').blocks) do hint_blocks[#hint_blocks + 1] = b end
      end
      if #hint_blocks > 0 then
        hint_no = hint_no + 1
        local label = 'Hint ' .. hint_no
        local d = {pandoc.RawBlock('html', '<details class="hint"><summary>' .. label .. '</summary>')}
        for _, b in ipairs(hint_blocks) do d[#d + 1] = b end
        d[#d + 1] = pandoc.RawBlock('html', '</details>')
        item[#item + 1] = pandoc.Div(d, pandoc.Attr('', {'hint-box'}))
        local ph = {pandoc.Para({pandoc.Strong({pandoc.Str(label .. ':')}), pandoc.Space(),
                                pandoc.Code(p.file), pandoc.Str(','), pandoc.Space(),
                                pandoc.Emph({pandoc.Str(r.title)})})}
        for _, b in ipairs(hint_blocks) do ph[#ph + 1] = b end
        print_hints[#print_hints + 1] = pandoc.Div(ph, pandoc.Attr('', {'print-hint'}))
      end
      items[#items + 1] = item
    end
    blocks[#blocks + 1] = pandoc.OrderedList(items)
  end
  return blocks
end

-- Every graded item of the lab with its points and visibility:
-- {item = "run:NAME" | "check:TEST", points, visibility}.
local function lab_items()
  local names = {}
  for _, n in ipairs(list_dir(expected_dir .. '/' .. lab, '^(.*)%.out$')) do
    names[#names + 1] = lab .. '/run:' .. n
  end
  for _, t in ipairs(list_dir(root_dir .. '/labs/' .. lab, '^(test_.*%.c)$')) do
    for line in io.lines(root_dir .. '/labs/' .. lab .. '/' .. t) do
      local test = line:match('^START_TEST%(([%w_]+)%)')
      if test then names[#names + 1] = lab .. '/check:' .. test end
    end
  end
  local tmp = os.tmpname()
  local f = io.open(tmp, 'w')
  f:write(table.concat(names, '\n') .. '\n')
  f:close()
  local items = {}
  local pipe = io.popen('"' .. root_dir .. '/scripts/points" <"' .. tmp .. '" 2>&1')
  for line in pipe:lines() do
    local item, pts, vis = line:match('^[^/]+/([^\t]+)\t([^\t]+)\t([^\t]+)$')
    if item then
      items[#items + 1] = {item = item, points = tonumber(pts), visibility = vis}
      if tonumber(pts) == nil then warn('expected/points.txt gives no points to ' .. lab .. '/' .. item) end
    else
      warn('scripts/points: ' .. line)
    end
  end
  pipe:close()
  os.remove(tmp)
  return items
end

local function handin_section()
  local progs = handin_programs()
  local blocks = {pandoc.Header(2, {pandoc.Str('What'), pandoc.Space(), pandoc.Str('to'),
                                    pandoc.Space(), pandoc.Str('hand'), pandoc.Space(),
                                    pandoc.Str('in')}, pandoc.Attr('what-to-hand-in'))}
  local function md(text)
    for _, b in ipairs(pandoc.read(text, 'markdown').blocks) do blocks[#blocks + 1] = b end
  end
  local num = lab:match('^(%d+)') or lab
  if #progs == 0 then
    md('Nothing: this lab has no program for you to write.')
  else
    local files = {}
    for _, p in ipairs(progs) do
      files[#files + 1] = '- `labs/' .. lab .. '/' .. p.file .. '` (' .. #p.regions ..
        (#p.regions == 1 and ' part' or ' parts') .. ' to write)'
    end
    md('Hand in ' .. (#progs == 1 and 'this file' or 'these files') .. ', and nothing else:\n\n' ..
       table.concat(files, '\n'))
    md('In the kit, `make handin` packs the hand-in files of all its labs into ' ..
       '`build/handin.tar.gz` (the file `HANDIN` lists them); upload that, or the files ' ..
       'themselves. Check yourself first with `make grade LAB=' .. num .. '`: it runs the ' ..
       'same items as the grader below and prints each one\'s points and a score.')
    md('Your hand-in is graded in a fresh copy of the instructor\'s tree: only the files ' ..
       'above are taken from it (edits to tests, expected outputs or points count for ' ..
       'nothing), and each program is compiled on its own with the same warnings, so a ' ..
       'program that does not compile loses only the items that run it.')
  end
  local items = lab_items()
  local shown, zero, hidden_n, total = {}, {}, 0, 0
  for _, it in ipairs(items) do
    local secret = it.visibility ~= 'visible' and it.visibility ~= 'after_published'
    if secret and mode ~= 'instructor' then
      hidden_n = hidden_n + 1
    elseif (it.points or 0) == 0 then
      zero[#zero + 1] = it
    else
      shown[#shown + 1] = it
      total = total + it.points
    end
    if secret and mode == 'instructor' then hidden_n = hidden_n + 1 end
  end
  local function name_of(it)
    local run = it.item:match('^run:(.+)$')
    if run then
      if it.visibility == 'visible' or mode == 'instructor' then
        return '[Graded run `' .. run .. '`](#run-' .. run .. ')'
      end
      return 'Graded run `' .. run .. '`'
    end
    return 'Test `' .. it.item:gsub('^check:', '') .. '`'
  end
  if #shown > 0 then
    local rows = {'| Item | Points |', '|:-----------------------------|----:|'}
    for _, it in ipairs(shown) do
      local extra = (it.visibility ~= 'visible') and (' (' .. it.visibility:gsub('_', ' ') .. ')') or ''
      rows[#rows + 1] = '| ' .. name_of(it):gsub('|', '\\|') .. extra .. ' | ' .. it.points .. ' |'
    end
    rows[#rows + 1] = '| **Total' .. ((mode ~= 'instructor' and hidden_n > 0) and ' shown here' or '') ..
                      '** | **' .. total .. '** |'
    md('How it is graded (`expected/points.txt`): each graded run compares your program\'s ' ..
       'output with the lines under "What your program prints"; each test checks one ' ..
       'claim of the lab on what your program did.\n\n' .. table.concat(rows, '\n'))
  else
    md('No item of this lab is worth points: it is a demonstration.')
  end
  if #zero > 0 then
    local names = {}
    for _, it in ipairs(zero) do
      names[#names + 1] = name_of(it):gsub('^(%[?)Graded', '%1graded'):gsub('^Test', 'test')
    end
    md('Also run, worth 0 points (demonstrations of the kernel, or checks of what the kit ' ..
       'gives you): ' .. table.concat(names, ', ') .. '.')
  end
  if hidden_n > 0 then
    if mode == 'instructor' then
      md('The student edition names no hidden item; it says only that there ' ..
         (hidden_n == 1 and 'is 1 hidden item.' or ('are ' .. hidden_n .. ' hidden items.')) ..
         ' (They are in the table above with their visibility.)')
    else
      md('The grader also runs ' .. (hidden_n == 1 and '1 hidden item' or (hidden_n .. ' hidden items')) ..
         ', not listed here.')
    end
  end
  return blocks
end

local function expand_block(block)
  local comment = comment_of(block)
  if comment == nil then return nil end
  local name = comment:match('^expected:%s*(%S+)$')
  if name then return expected_block(name) end
  if comment:match('^expected') then
    warn('malformed include <!-- ' .. comment .. ' --> (write <!-- expected: NAME -->)')
    return error_block('malformed include <!-- ' .. comment .. ' -->')
  end
  if comment == 'labs' then return labs_table() end
  if comment == 'prints' then return prints_section() end
  if comment == 'task' then return task_section() end
  if comment == 'plots' then
    -- The benchmark's plots, made by make bench plots (a note until then).
    local blocks = {pandoc.Header(2, {pandoc.Str('The'), pandoc.Space(), pandoc.Str('plots'),
                                      pandoc.Space(), pandoc.Str('of'), pandoc.Space(),
                                      pandoc.Str('this'), pandoc.Space(), pandoc.Str('machine')},
                                pandoc.Attr('plots'))}
    for _, p in ipairs({{'throughput', 'Throughput against message size'},
                        {'latency', 'Latency: one message there and back'},
                        {'copies', 'Copies: a file through a pipe and through shared memory'}}) do
      blocks[#blocks + 1] = pandoc.Para({pandoc.Image({pandoc.Str(p[2])}, 'plots/' .. p[1] .. '.svg', 'fig:')})
    end
    return blocks
  end
  if comment == 'handin' then return handin_section() end
  return nil
end

local answers = 0

local function answer_div(div)
  if not div.classes:includes('answer') then return nil end
  answers = answers + 1
  if mode == 'instructor' or mode == 'answers' then
    local blocks = {pandoc.Para({pandoc.Strong({pandoc.Str('Answer.')})})}
    for _, b in ipairs(div.content) do blocks[#blocks + 1] = b end
    return pandoc.Div(blocks, pandoc.Attr('', {'answer'}))
  end
  return {}  -- student build: the answer is gone
end

local function plot_path(src)
  return src:match('^plots/(.+)$') or src:match('^build/plots/(.+)$') or
         src:match('^%.%./build/plots/(.+)$')
end

local function image(img)
  local src = img.src
  if src:match('^%a+://') then
    warn('image ' .. src .. ' is on the network: the handout must read offline')
    return nil
  end
  if src:match('^data:') then return nil end
  local plot = plot_path(src)
  if plot then
    local candidates = {plots_dir .. '/' .. plot}
    -- The page a PDF is made from takes the PNG: weasyprint cannot draw
    -- gnuplot's SVG (it has no currentColor).
    if os.getenv('HANDOUT_PLOT_EXT') == 'png' and plot:match('%.svg$') then
      table.insert(candidates, 1, plots_dir .. '/' .. plot:gsub('%.svg$', '.png'))
    end
    local stem = plot:match('^(.*)%.png$') or plot:match('^(.*)%.svg$')
    if stem then
      candidates[#candidates + 1] = plots_dir .. '/' .. stem .. '.svg'
      candidates[#candidates + 1] = plots_dir .. '/' .. stem .. '.png'
    end
    for _, c in ipairs(candidates) do
      if exists(c) then img.src = c; return img end
    end
    if not is_dir(plots_dir) then
      return pandoc.Span(pandoc.read('*Plot `' .. plot .. '` is not built on this ' ..
        'machine yet: run `make bench plots`, then `make handouts` again.*',
        'markdown').blocks[1].content, pandoc.Attr('', {'missing-plot'}))
    end
    warn('image ' .. src .. ': ' .. plots_dir .. '/' .. plot .. ' does not exist ' ..
         '(the plots are built, but not this one)')
    return pandoc.Span({pandoc.Strong({pandoc.Str('Missing plot:')}), pandoc.Space(),
                        pandoc.Code(plot)}, pandoc.Attr('', {'missing'}))
  end
  local path = src:match('^/') and src or (src_dir .. '/' .. src)
  if not exists(path) then
    warn('image ' .. src .. ' does not exist')
    return pandoc.Span({pandoc.Strong({pandoc.Str('Missing image:')}), pandoc.Space(),
                        pandoc.Code(src)}, pandoc.Attr('', {'missing'}))
  end
  img.src = path
  return img
end

local function link(l)
  local target, anchor = l.target:match('^(%d%d%-[%w%-]+)%.md(#?.*)$')
  if target then l.target = target .. '.html' .. anchor; return l end
  if l.target == 'index.md' then l.target = 'index.html'; return l end
  if l.target == 'REPORT' then l.target = report_link; return l end
  return nil
end

function Pandoc(doc)
  -- Title: the first level-1 heading when the metadata has none.
  local blocks = doc.blocks
  if doc.meta.title == nil then
    for i, b in ipairs(blocks) do
      if b.t == 'Header' and b.level == 1 then
        doc.meta.title = pandoc.MetaInlines(b.content)
        table.remove(blocks, i)
        break
      end
    end
    if doc.meta.title == nil then
      warn('no title: start the handout with "# Lab NN: ..."')
      doc.meta.title = pandoc.MetaInlines({pandoc.Str(lab)})
    end
  end

  -- Includes first (an included run may hold answers? no: only prose does).
  local out = {}
  for _, b in ipairs(blocks) do
    local r = expand_block(b)
    if r == nil then
      out[#out + 1] = b
    elseif r.t then
      out[#out + 1] = r
    else
      for _, x in ipairs(r) do out[#out + 1] = x end
    end
  end
  doc.blocks = out

  doc = doc:walk({Div = answer_div, Image = image, Link = link})

  -- Questions written "1. ..." / answer / "2. ..." are lists of one item
  -- each, numbered by their start attribute (which weasyprint ignores):
  -- an answer goes into the item it answers, and a list that continues
  -- the numbering of the one before it joins it.
  local function join_lists(blocks)
    local out = pandoc.List()
    for _, b in ipairs(blocks) do
      local prev = out[#out]
      if b.t == 'Div' and b.classes:includes('answer') and prev and prev.t == 'OrderedList' then
        prev.content[#prev.content]:insert(b)
      elseif b.t == 'OrderedList' and prev and prev.t == 'OrderedList' and
             b.listAttributes.start == prev.listAttributes.start + #prev.content then
        for _, item in ipairs(b.content) do prev.content:insert(item) end
      else
        out:insert(b)
      end
    end
    return out
  end
  doc.blocks = join_lists(doc.blocks)

  -- A hint of this lab's programs whose region is gone: say so.
  if hints then
    local progs = {}
    for _, p in ipairs(handin_programs()) do progs[p.file] = true end
    for i, h in ipairs(hints) do
      if progs[h.file] and not hints_used[i] then
        warn('handouts/hints.tsv: ' .. h.file .. ' has no region "' .. h.title .. '"')
      end
    end
  end

  -- The hints again at the end of the page, shown only in print (in the
  -- browser they unfold where they are).
  if #print_hints > 0 then
    local end_blocks = {pandoc.Header(2, {pandoc.Str('Hints')}, pandoc.Attr('hints'))}
    for _, b in ipairs(print_hints) do end_blocks[#end_blocks + 1] = b end
    doc.blocks:insert(pandoc.Div(end_blocks, pandoc.Attr('', {'print-only'})))
  end

  -- Rendering slips. A code span that crosses a source line keeps the
  -- next line's indentation ("access   page 2"): one space is meant.
  -- Smart typography makes an en dash of an option's "--" in prose
  -- ("–sync"): give it back its two hyphens. In a table, "\|" inside a
  -- code span stays literal in pandoc's pipe tables: it means "|".
  doc = doc:walk({
    Code = function(c)
      local t = c.text:gsub('  +', ' ')
      if t ~= c.text then c.text = t; return c end
    end,
    Str = function(s)
      local t = s.text:gsub('^([%(\'"‘“]?)–(%l)', '%1--%2')
      if t ~= s.text then s.text = t; return s end
    end,
    Table = function(tbl)
      return tbl:walk({Code = function(c)
        local t = c.text:gsub('\\|', '|')
        -- A long name (no space in it) in a cell may break after "_" or "/" (a zero-width
        -- space: weasyprint ignores <wbr>), so that the table fits the page
        -- instead of pushing past its edge.
        if #t > 20 and not t:match('%s') and FORMAT:match('html') and t:match('[_/]') then
          local parts = {}
          for piece, sep in t:gmatch('([^_/]*)([_/]?)') do
            if piece ~= '' or sep ~= '' then parts[#parts + 1] = html_escape(piece) .. sep end
          end
          return pandoc.RawInline('html', '<code>' .. table.concat(parts, '&#8203;') .. '</code>')
        end
        if t ~= c.text then c.text = t; return c end
      end})
    end,
  })

  if mode == 'answers' then
    -- Only the answers' text, one after the other (scripts/test-handouts).
    local only = {}
    doc:walk({Div = function(d)
      if d.classes:includes('answer') then
        for i, b in ipairs(d.content) do
          if i > 1 then only[#only + 1] = b end
        end
      end
    end})
    doc.blocks = only
  end
  doc.meta['handout-mode'] = mode
  if mode == 'instructor' then
    doc.meta.subtitle = pandoc.MetaInlines({pandoc.Str('Instructor'), pandoc.Space(),
                                            pandoc.Str('edition:'), pandoc.Space(),
                                            pandoc.Str('with'), pandoc.Space(),
                                            pandoc.Str('answers')})
  end
  return doc
end
